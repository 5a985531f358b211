"""App factory: each capability's Lambda builds its app from its own routers; the docs app merges them all."""

from fastapi import APIRouter, FastAPI

from emailseq import __version__
from emailseq.api.errors import install_error_handlers
from emailseq.api.limits import BodySizeLimit

TITLE = "emailseq API"


def create_app(*routers: APIRouter, docs: bool = False) -> FastAPI:
    app = FastAPI(
        title=TITLE,
        version=__version__,
        openapi_url="/openapi.json" if docs else None,
        docs_url=None,
        redoc_url=None,
    )
    for router in routers:
        app.include_router(router)
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit)
    return app


def all_routers() -> list[APIRouter]:
    from emailseq.api import (
        api_keys,
        attributes,
        audit,
        contacts,
        enrollments,
        events,
        imports,
        lists,
        segments,
        sequences,
        settings,
    )

    return [
        sequences.router,
        enrollments.router,
        settings.router,
        audit.router,
        events.router,
        contacts.router,
        attributes.router,
        lists.router,
        segments.router,
        imports.router,
        api_keys.router,
    ]
