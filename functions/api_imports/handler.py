"""The imports API Lambda (CSV contact imports): FastAPI behind the HTTP API through Mangum."""

from aws_lambda_powertools import Logger
from emailseq.api import imports
from emailseq.api.app import create_app
from emailseq.observability import API_REQUEST, observed
from mangum import Mangum

logger = Logger(service="api-imports")
app = create_app(imports.router)
handler = observed(logger, API_REQUEST)(Mangum(app, lifespan="off"))
