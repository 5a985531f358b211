"""The audiences API Lambda (attribute schema, lists, segments): FastAPI behind the HTTP API through Mangum."""

from aws_lambda_powertools import Logger
from emailseq.api import attributes, lists, segments
from emailseq.api.app import create_app
from mangum import Mangum

logger = Logger(service="api-audiences")
app = create_app(attributes.router, lists.router, segments.router)
handler = logger.inject_lambda_context(Mangum(app, lifespan="off"))
