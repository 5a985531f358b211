"""The HTTP API as the CLI sees it: base URL and token from the environment, or from the local stack."""

import os
from dataclasses import dataclass
from typing import Any

import httpx

from emailseq_cli.errors import CliError


@dataclass(frozen=True)
class ApiTarget:
    url: str
    token: str


def api_target() -> ApiTarget:
    url, token = os.environ.get("EMAILSEQ_API_URL"), os.environ.get("EMAILSEQ_TOKEN")
    if url and token:
        return ApiTarget(url.rstrip("/"), token)
    from emailseq_cli.local.paths import local_paths
    from emailseq_cli.local.stack import StackInfo

    paths = local_paths()
    info = StackInfo.load(paths)
    token_file = paths.home / "dev-token"
    if not token_file.is_file():
        raise CliError("no token: set EMAILSEQ_TOKEN, or run `emailseq local up` to mint a local dev token")
    return ApiTarget(url or info.api_url, token or token_file.read_text().strip())


def call(method: str, path: str, body: Any = None, params: dict[str, str] | None = None) -> Any:
    target = api_target()
    try:
        response = httpx.request(
            method,
            f"{target.url}{path}",
            json=body,
            params=params,
            timeout=60,
            headers={"Authorization": f"Bearer {target.token}"},
        )
    except httpx.HTTPError as error:
        raise CliError(f"cannot reach the API at {target.url}: {error}; is the stack up (`make run`)?") from error
    if response.status_code >= 400:
        raise CliError(_explain(response))
    return response.json() if response.content else None


def _explain(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return f"the API answered {response.status_code}: {response.text[:300]}"
    details = "; ".join(f"{e['field']}: {e['reason']}" for e in data.get("errors", []))
    message = data.get("error") or data.get("message") or data.get("detail") or response.reason_phrase
    return f"the API answered {response.status_code} {message}" + (f" — {details}" if details else "")
