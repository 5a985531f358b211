"""Live feed $disconnect: forget the connection (its items would expire anyway)."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from emailseq.logic.live import disconnect
from emailseq.settings import LiveSettings
from emailseq.wiring import live_ports

logger = Logger(service="live-disconnect")
ports = live_ports(LiveSettings())


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    connection_id = event["requestContext"]["connectionId"]
    disconnect(ports, connection_id)
    logger.info("live connection closed", extra={"connection_id": connection_id})
    return {"statusCode": 200}
