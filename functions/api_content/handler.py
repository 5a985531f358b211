"""The content API Lambda (blocks for recommendations): FastAPI behind the HTTP API through Mangum. It carries the
replyModel layer: a PUT embeds the block with MiniLM (the model loads on the first PUT of a warm container)."""

from aws_lambda_powertools import Logger
from emailseq.api import content
from emailseq.api.app import create_app
from mangum import Mangum

logger = Logger(service="api-content")
app = create_app(content.router)
handler = logger.inject_lambda_context(Mangum(app, lifespan="off"))
