"""App factory: each capability's Lambda builds its app from its own routers; the docs app merges them all."""

from fastapi import APIRouter, FastAPI

from emailseq import __version__
from emailseq.api.errors import ErrorOut, install_error_handlers
from emailseq.api.limits import BodySizeLimit

TITLE = "emailseq API"
# Every route may answer these, all in the one error model (the field and the reason): the spec says so, so a
# client (or a fuzzer checking responses against the spec) sees each as documented.
ERRORS: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorOut, "description": description}
    for status, description in {
        401: "Missing, forged or expired token",
        403: "The token's role may not do this",
        404: "Not found for this tenant",
        409: "A conflicting change",
        413: "Request body too large",
        422: "Invalid input: the field and the reason",
        429: "Over a rate limit (see Retry-After)",
    }.items()
}


def create_app(*routers: APIRouter, docs: bool = False) -> FastAPI:
    app = FastAPI(
        title=TITLE,
        version=__version__,
        openapi_url="/openapi.json" if docs else None,
        docs_url=None,
        redoc_url=None,
        responses=ERRORS,
    )
    for router in routers:
        app.include_router(router)
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit)
    return app


def all_routers() -> list[APIRouter]:
    from emailseq.api import (
        ai,
        analytics,
        api_keys,
        attributes,
        audit,
        contacts,
        content,
        enrollments,
        events,
        imports,
        lists,
        quantum,
        segments,
        sequences,
        settings,
        webhooks,
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
        quantum.router,
        analytics.router,
        webhooks.router,
        ai.router,
        content.router,
    ]
