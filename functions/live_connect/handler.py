"""Live feed $connect: the dashboard's tenant token (`?token=`) decides whose events this socket receives."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from emailseq.auth import InvalidToken
from emailseq.logic.live import connect
from emailseq.settings import LiveSettings
from emailseq.wiring import live_connect_ports

logger = Logger(service="live-connect")
ports = live_connect_ports(LiveSettings())


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    connection_id = event["requestContext"]["connectionId"]
    token = (event.get("queryStringParameters") or {}).get("token")
    try:
        tenant_id = connect(ports, connection_id, token)
    except InvalidToken as error:
        logger.info("live connection refused", extra={"connection_id": connection_id, "reason": str(error)})
        return {"statusCode": 401, "body": str(error)}
    logger.info("live connection opened", extra={"connection_id": connection_id, "tenant_id": tenant_id})
    return {"statusCode": 200}
