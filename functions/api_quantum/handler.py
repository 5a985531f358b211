"""The quantum jobs API Lambda: FastAPI behind the HTTP API through Mangum (no solver in this package)."""

from aws_lambda_powertools import Logger
from emailseq.api import quantum
from emailseq.api.app import create_app
from mangum import Mangum

logger = Logger(service="api-quantum")
app = create_app(quantum.router)
handler = logger.inject_lambda_context(Mangum(app, lifespan="off"))
