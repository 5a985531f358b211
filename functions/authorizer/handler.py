"""HTTP API Lambda authorizer: verifies the bearer token (a JWT or an API key) and hands its tenant and role on.

An HTTP API simple-response authorizer can only deny with 403, but a forged or expired token is a 401; so the
verdict travels in the context and the route answers 401 with the reason (see emailseq.api.principal).
"""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from emailseq.auth import InvalidToken
from emailseq.logic.authenticate import authenticate
from emailseq.observability import API_REQUEST, observed
from emailseq.settings import AuthorizerSettings
from emailseq.wiring import authorizer_ports

logger = Logger(service="authorizer")
keys, api_keys = authorizer_ports(AuthorizerSettings())


@observed(logger, API_REQUEST)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    headers = {key.lower(): value for key, value in (event.get("headers") or {}).items()}
    try:
        caller = authenticate(headers.get("authorization"), keys, api_keys)
    except InvalidToken as error:
        logger.info("token refused", extra={"reason": str(error)})
        return {"isAuthorized": True, "context": {"tenant": "", "role": "", "denied": str(error)}}
    return {
        "isAuthorized": True,
        "context": {"tenant": caller.tenant_id, "role": caller.role.value, "sub": caller.subject},
    }
