"""Live feed broadcaster: a domain event from the bus (EventBridge rule → this function) → the tenant's sockets."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext
from emailseq.logic.live import broadcast
from emailseq.settings import LiveSettings
from emailseq.wiring import live_ports, live_pusher

logger = Logger(service="live-broadcast")
settings = LiveSettings()
ports, pusher = live_ports(settings), live_pusher(settings)


@logger.inject_lambda_context
@event_source(data_class=EventBridgeEvent)
def handler(event: EventBridgeEvent, context: LambdaContext) -> dict[str, int]:
    delivered = broadcast(ports, pusher, event.detail_type, event.detail)
    logger.info("live event pushed", extra={"detail_type": event.detail_type, "connections": delivered})
    return {"delivered": delivered}
