"""Scheduler: runs every minute; queues the sends that are due, page by page."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from emailseq.logic.schedule import dispatch_all_due
from emailseq.observability import EVENTBRIDGE_EVENT, count, observed
from emailseq.settings import SchedulerSettings
from emailseq.wiring import schedule_ports

logger = Logger(service="scheduler")
settings = SchedulerSettings()
ports = schedule_ports(settings)


@observed(logger, EVENTBRIDGE_EVENT)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    queued = dispatch_all_due(ports, settings.page_size, settings.max_pages)
    logger.info("due sends queued", extra={"queued": queued})
    count("SendsQueued", queued)
    return {"queued": queued}
