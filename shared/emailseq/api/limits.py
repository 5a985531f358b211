"""Request body size limit. API Gateway takes bodies up to 10 MB, so the app refuses big ones itself (413)."""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from emailseq.api.errors import FieldError, json_error

MAX_BODY_BYTES = 256 * 1024


class BodySizeLimit:
    """ASGI middleware: reads the body (Mangum hands it over whole), answers 413 past the limit, else replays it."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length", b"0")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(int(declared), scope, receive, send)
            return
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = bool(message.get("more_body", False))
            if size > self.max_bytes:
                await self._too_large(size, scope, receive, send)
                return
        await self.app(scope, _replay(b"".join(chunks)), send)

    async def _too_large(self, size: int, scope: Scope, receive: Receive, send: Send) -> None:
        reason = f"{size} bytes; the limit is {self.max_bytes} bytes ({self.max_bytes // 1024} KB)"
        response = json_error(413, "request body too large", [FieldError(field="body", reason=reason)])
        await response(scope, receive, send)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive
