"""`GET /openapi.json`: the spec of every capability's routes, merged (public, no token)."""

from aws_lambda_powertools import Logger
from emailseq.api.app import all_routers, create_app
from emailseq.observability import API_REQUEST, observed
from mangum import Mangum

logger = Logger(service="api-docs")
app = create_app(*all_routers(), docs=True)
handler = observed(logger, API_REQUEST)(Mangum(app, lifespan="off"))
