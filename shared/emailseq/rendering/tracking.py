"""Signed links: open pixel, click redirects, one-click unsubscribe and double opt-in confirmation.

A token is the base64url JSON of *what* was sent (tenant, contact id, sequence, generation, step, and for a
click the target URL) plus an HMAC-SHA256 over it. It carries no email address or name, and the redirect needs no
database read; a token with any character changed fails the HMAC and gets a 4xx, never a redirect.
"""

import base64
import hashlib
import hmac
import json
import re
from dataclasses import asdict, dataclass
from typing import Any, Literal

Kind = Literal["o", "c", "u"]  # open, click, unsubscribe
_HREF = re.compile(r"""(<a\b[^>]*?\bhref\s*=\s*)(["'])(https?://[^"']+)\2""", re.IGNORECASE)


class BadToken(Exception):
    """Tampered, truncated or not ours."""


@dataclass(frozen=True)
class TrackedSend:
    tenant: str
    contact: str
    sequence: str
    generation: int
    step: str


@dataclass(frozen=True)
class OptInClaim:
    """A double opt-in confirmation link: which contact confirms which list, for which request (ISO time)."""

    tenant: str
    contact: str
    list: str
    requested: str


@dataclass(frozen=True)
class Claim:
    kind: Kind
    send: TrackedSend
    url: str | None = None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class LinkSigner:
    def __init__(self, secret: str, base_url: str) -> None:
        self._key = hashlib.sha256(b"emailseq-tracking|" + secret.encode()).digest()
        self.base_url = base_url.rstrip("/")

    def token(self, claim: Claim) -> str:
        body: dict[str, str | int] = {"k": claim.kind, **asdict(claim.send)}
        if claim.url is not None:
            body["u"] = claim.url
        return self._seal(body)

    def verify(self, token: str) -> Claim:
        body = self._open(token)
        if body.get("k") not in ("o", "c", "u"):
            raise BadToken("not a tracking token")
        send = TrackedSend(body["tenant"], body["contact"], body["sequence"], int(body["generation"]), body["step"])
        return Claim(kind=body["k"], send=send, url=body.get("u"))

    def url(self, claim: Claim) -> str:
        return f"{self.base_url}/t/{claim.kind}/{self.token(claim)}"

    def opt_in_url(self, claim: OptInClaim) -> str:
        return f"{self.base_url}/t/s/{self._seal({'k': 's', **asdict(claim)})}"

    def verify_opt_in(self, token: str) -> OptInClaim:
        body = self._open(token)
        if body.get("k") != "s":
            raise BadToken("not a subscription confirmation token")
        return OptInClaim(body["tenant"], body["contact"], body["list"], body["requested"])

    def _seal(self, body: dict[str, str | int]) -> str:
        payload = _b64(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
        return f"{payload}.{_b64(self._mac(payload))}"

    def _open(self, token: str) -> dict[str, Any]:
        payload, _, mac = token.partition(".")
        try:
            # Compared as text: lenient base64 decoding would accept some altered spellings of the same MAC.
            valid = hmac.compare_digest(mac.encode(), _b64(self._mac(payload)).encode())
            body = json.loads(_unb64(payload)) if valid else None
        except (ValueError, UnicodeDecodeError) as error:
            raise BadToken("malformed token") from error
        if not isinstance(body, dict):
            raise BadToken("signature does not match")
        return body

    def _mac(self, payload: str) -> bytes:
        return hmac.new(self._key, payload.encode(), hashlib.sha256).digest()


def instrument(html: str, send: TrackedSend, signer: LinkSigner) -> str:
    """Rewrite every http(s) link to a signed click redirect and add the open pixel."""

    def redirect(match: re.Match[str]) -> str:
        target = match.group(3).replace("&amp;", "&")
        return f"{match.group(1)}{match.group(2)}{signer.url(Claim('c', send, target))}{match.group(2)}"

    rewritten = _HREF.sub(redirect, html)
    pixel = f'<img src="{signer.url(Claim("o", send))}" width="1" height="1" alt="" style="display:none">'
    closing = rewritten.lower().rfind("</body>")
    return rewritten[:closing] + pixel + rewritten[closing:] if closing >= 0 else rewritten + pixel


def unsubscribe_headers(send: TrackedSend, signer: LinkSigner, mailto: str) -> dict[str, str]:
    """RFC 2369 + RFC 8058 one-click unsubscribe: an https link that takes a POST, and a mailto fallback."""
    token = signer.token(Claim("u", send))
    return {
        "List-Unsubscribe": f"<{signer.base_url}/t/u/{token}>, <mailto:{mailto}?subject=unsubscribe%20{token}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
