"""Tracking edge Lambda: open pixel, click redirects, unsubscribe (public routes, authorised by signed tokens)."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from emailseq.api.tracking import build_resolver
from emailseq.observability import API_REQUEST, observed
from emailseq.settings import TrackingSettings
from emailseq.wiring import tracking_ports

logger = Logger(service="tracking")
app = build_resolver(*tracking_ports(TrackingSettings()))


@observed(logger, API_REQUEST)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
