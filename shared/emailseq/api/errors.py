"""The one error model of the API: every 4xx says which field and why."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException

from emailseq.domain.errors import Conflict, InvalidInput, NotConfigured, NotFound, RateLimited, UpstreamFailed
from emailseq.domain.sequence import STEP_KINDS


class FieldError(BaseModel):
    field: str
    reason: str


class ErrorOut(BaseModel):
    error: str
    errors: list[FieldError] = []


class Forbidden(Exception):
    """The token's role may not do this."""


def _field(location: tuple[Any, ...]) -> str:
    """A path in the document as the user wrote it: `steps[1].wait`, `contact.email`.

    Pydantic puts the tag of a tagged union after a list index (`steps, 1, wait, wait`); the user never wrote it.
    """
    path = ""
    previous: Any = None
    for part in location:
        if part in ("body", "query", "path") or (isinstance(previous, int) and part in STEP_KINDS):
            previous = part
            continue
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        previous = part
    return path or "body"


def json_error(
    status: int, error: str, errors: list[FieldError] | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    content = ErrorOut(error=error, errors=errors or []).model_dump()
    return JSONResponse(status_code=status, content=content, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException) -> JSONResponse:
        return json_error(exc.status_code, str(exc.detail), headers=dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [FieldError(field=_field(tuple(e["loc"])), reason=str(e["msg"])) for e in exc.errors()]
        return json_error(422, "invalid request", errors)

    @app.exception_handler(ValidationError)
    async def _invalid_document(_: Request, exc: ValidationError) -> JSONResponse:
        errors = [FieldError(field=_field(tuple(e["loc"])), reason=str(e["msg"])) for e in exc.errors()]
        return json_error(422, "invalid request", errors)

    @app.exception_handler(InvalidInput)
    async def _invalid_input(_: Request, exc: InvalidInput) -> JSONResponse:
        return json_error(422, "invalid request", [FieldError(field=exc.field, reason=exc.reason)])

    @app.exception_handler(NotFound)
    async def _not_found(_: Request, exc: NotFound) -> JSONResponse:
        return json_error(404, str(exc))

    @app.exception_handler(Conflict)
    async def _conflict(_: Request, exc: Conflict) -> JSONResponse:
        return json_error(409, str(exc) or "conflicting change; retry")

    @app.exception_handler(RateLimited)
    async def _rate_limited(_: Request, exc: RateLimited) -> JSONResponse:
        return json_error(429, str(exc), headers={"Retry-After": str(exc.retry_after_seconds)})

    @app.exception_handler(NotConfigured)
    async def _not_configured(_: Request, exc: NotConfigured) -> JSONResponse:
        return json_error(409, str(exc))

    @app.exception_handler(UpstreamFailed)
    async def _upstream_failed(_: Request, exc: UpstreamFailed) -> JSONResponse:
        return json_error(502, str(exc))

    @app.exception_handler(Forbidden)
    async def _forbidden(_: Request, exc: Forbidden) -> JSONResponse:
        return json_error(403, str(exc))
