"""HTTP API Lambda authorizer: verifies the bearer token and hands its tenant and role to the routes.

An HTTP API simple-response authorizer can only deny with 403, but a forged or expired token is a 401; so the
verdict travels in the context and the route answers 401 with the reason (see emailseq.api.principal).
"""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from emailseq.auth import InvalidToken, verify_token
from emailseq.dal.aws import client
from emailseq.dal.secrets import read_secret
from emailseq.settings import AuthorizerSettings

logger = Logger(service="authorizer")
settings = AuthorizerSettings()
secret = read_secret(client("secretsmanager"), settings.token_secret_id)


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    headers = {key.lower(): value for key, value in (event.get("headers") or {}).items()}
    try:
        caller = verify_token(secret, headers.get("authorization"))
    except InvalidToken as error:
        logger.info("token refused", extra={"reason": str(error)})
        return {"isAuthorized": True, "context": {"tenant": "", "role": "", "denied": str(error)}}
    return {
        "isAuthorized": True,
        "context": {"tenant": caller.tenant_id, "role": caller.role.value, "sub": caller.subject},
    }
