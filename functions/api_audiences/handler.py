"""The audiences API Lambda (attribute schema, lists, segments): FastAPI behind the HTTP API through Mangum."""

from aws_lambda_powertools import Logger
from emailseq.api import attributes, lists, segments
from emailseq.api.app import create_app
from emailseq.observability import API_REQUEST, observed
from mangum import Mangum

logger = Logger(service="api-audiences")
app = create_app(attributes.router, lists.router, segments.router)
handler = observed(logger, API_REQUEST)(Mangum(app, lifespan="off"))
