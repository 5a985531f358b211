"""The contacts API Lambda: FastAPI behind API Gateway (HTTP API, payload 2.0) through Mangum."""

from aws_lambda_powertools import Logger
from emailseq.api import contacts
from emailseq.api.app import create_app
from emailseq.observability import API_REQUEST, observed
from mangum import Mangum

logger = Logger(service="api-contacts")
app = create_app(contacts.router)
handler = observed(logger, API_REQUEST)(Mangum(app, lifespan="off"))
