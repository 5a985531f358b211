"""The webhooks API Lambda (subscriptions and their delivery logs): FastAPI behind the HTTP API through Mangum."""

from aws_lambda_powertools import Logger
from emailseq.api import webhooks
from emailseq.api.app import create_app
from mangum import Mangum

logger = Logger(service="api-webhooks")
app = create_app(webhooks.router)
handler = logger.inject_lambda_context(Mangum(app, lifespan="off"))
