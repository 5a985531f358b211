"""TEST DOUBLE of an OpenAI-compatible server — tests only, never used by `make run`.

A small HTTP server on 127.0.0.1 that answers `POST /v1/responses` the way OpenAI's Responses API does for a
structured-output request: a `message` whose `output_text` is JSON valid against the schema the client sent
(`text.format.schema`). The real `openai` client talks to it through OPENAI_BASE_URL / the deployment's secret.
Answers are written per schema name (DraftedSequence, SubjectVariants, RewrittenEmail) from the prompt, or
scripted by a test (`script`), and every request is kept (`requests`) so a test can check what was asked.
"""

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

API_KEY = "sk-test-double"


def _drafted(prompt: str) -> dict[str, Any]:
    found = re.search(r"exactly (\d+) emails", prompt)
    count = int(found.group(1)) if found else 3
    emails = [
        {
            "id": "welcome" if n == 1 else f"Follow up {n}",  # a slug the code must clean
            "wait_days_before": 0 if n == 1 else 2,
            "subject": "Welcome, {{ contact.first_name | default('there') }}" if n == 1 else f"Tip {n} for you",
            "html": f"<p>Hi {{{{ contact.first_name | default('there') }}}},</p><p>Email {n}. "
            "<a href='https://example.com/start'>Get started</a></p>",
        }
        for n in range(1, count + 1)
    ]
    return {"id": "Trial Onboarding!", "name": "Trial onboarding", "trigger_event": "user.signed_up",
            "goal_event": "subscription.started", "emails": emails}  # fmt: skip


def _answer(name: str, prompt: str) -> dict[str, Any]:
    if name == "DraftedSequence":
        return _drafted(prompt)
    if name == "SubjectVariants":
        found = re.search(r"Write (\d+) alternative", prompt)
        count = int(found.group(1)) if found else 3
        return {"subjects": [f"Variant {n}: {{{{ contact.first_name | default('you') }}}}" for n in range(count)]}
    if name == "RewrittenEmail":
        return {"subject": "Quick hello", "html": "<p>Hi {{ contact.first_name | default('there') }}. Short now.</p>"}
    raise ValueError(f"the test double has no answer for schema {name!r}")


@dataclass
class OpenAiDouble:
    base_url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    scripted: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def script(self, schema_name: str, *answers: dict[str, Any]) -> None:
        """Answer the next requests for this schema with these JSON objects, in order (then the default)."""
        self.scripted.setdefault(schema_name, []).extend(answers)

    def respond(self, body: dict[str, Any]) -> dict[str, Any]:
        self.requests.append(body)
        name = body["text"]["format"]["name"]
        prompt = body["input"] if isinstance(body["input"], str) else json.dumps(body["input"])
        queued = self.scripted.get(name)
        answer = queued.pop(0) if queued else _answer(name, prompt)
        return _response(body["model"], json.dumps(answer))


def _response(model: str, text: str) -> dict[str, Any]:
    message = {"type": "message", "id": "msg_double", "role": "assistant", "status": "completed",
               "content": [{"type": "output_text", "text": text, "annotations": []}]}  # fmt: skip
    return {"id": "resp_double", "object": "response", "created_at": 0, "model": model, "status": "completed",
            "output": [message], "parallel_tool_calls": False, "tool_choice": "auto", "tools": []}  # fmt: skip


def _handler(double: OpenAiDouble) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            if self.headers.get("Authorization") != f"Bearer {API_KEY}":
                self._send(401, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}})
            elif self.path.rstrip("/") != "/v1/responses":
                self._send(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})
            else:
                self._send(200, double.respond(body))

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    return Handler


@contextmanager
def openai_double() -> Iterator[OpenAiDouble]:
    """The double, serving on a free port of 127.0.0.1 until the block ends; `base_url` ends in /v1."""
    double = OpenAiDouble("")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(double))
    double.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield double
    finally:
        server.shutdown()
        server.server_close()
