"""The contacts API Lambda: FastAPI behind API Gateway (HTTP API, payload 2.0) through Mangum."""

from aws_lambda_powertools import Logger
from emailseq.api import contacts
from emailseq.api.app import create_app
from mangum import Mangum

logger = Logger(service="api-contacts")
app = create_app(contacts.router)
handler = logger.inject_lambda_context(Mangum(app, lifespan="off"))
