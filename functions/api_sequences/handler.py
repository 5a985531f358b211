"""The sequences API Lambda: FastAPI behind API Gateway (HTTP API, payload 2.0) through Mangum."""

from aws_lambda_powertools import Logger
from emailseq.api import audit, enrollments, sequences, settings
from emailseq.api.app import create_app
from emailseq.observability import API_REQUEST, observed
from mangum import Mangum

logger = Logger(service="api-sequences")
app = create_app(sequences.router, enrollments.router, settings.router, audit.router)
handler = observed(logger, API_REQUEST)(Mangum(app, lifespan="off"))
