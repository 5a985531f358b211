"""The AI drafting API Lambda: FastAPI behind API Gateway (HTTP API, payload 2.0) through Mangum. It has its own
layer (layers/ai: the OpenAI client); the key is read from Secrets Manager on first use (docs/ai.md)."""

from aws_lambda_powertools import Logger
from emailseq.api import ai
from emailseq.api.app import create_app
from mangum import Mangum

logger = Logger(service="api-ai")
app = create_app(ai.router)
handler = logger.inject_lambda_context(Mangum(app, lifespan="off"))
