"""`GET /openapi.json`: the spec of every capability's routes, merged (public, no token)."""

from emailseq.api.app import all_routers, create_app
from mangum import Mangum

app = create_app(*all_routers(), docs=True)
handler = Mangum(app, lifespan="off")
