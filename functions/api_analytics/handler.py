"""The analytics API Lambda (daily funnel series, event exports): FastAPI behind the HTTP API through Mangum."""

from aws_lambda_powertools import Logger
from emailseq.api import analytics
from emailseq.api.app import create_app
from mangum import Mangum

logger = Logger(service="api-analytics")
app = create_app(analytics.router)
handler = logger.inject_lambda_context(Mangum(app, lifespan="off"))
