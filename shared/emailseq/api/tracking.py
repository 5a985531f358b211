"""The tracking edge: open pixel, click redirect, unsubscribe page and RFC 8058 one-click POST, and the double
opt-in confirmation.

Light on purpose (Powertools' resolver, no FastAPI): it answers from the signed token alone and records the fact
after, so it can sit behind CloudFront. A token that fails verification is a 404: never a redirect.
"""

import base64
import html

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from emailseq.domain.opens import is_machine_open
from emailseq.logic.opt_in import confirm_opt_in
from emailseq.logic.segments import join_confirmed_list
from emailseq.logic.tracking import TrackingPorts, record_click, record_open, unsubscribe
from emailseq.rendering.tracking import BadToken, Claim, LinkSigner, OptInClaim

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
_NO_STORE = {"Cache-Control": "no-store, private", "Referrer-Policy": "no-referrer"}


def _page(status: int, title: str, body: str) -> Response[str]:
    page = (
        f"<!doctype html><html lang=en><meta charset=utf-8><meta name=viewport content='width=device-width'>"
        f"<title>{html.escape(title)}</title><body style='font-family:sans-serif;max-width:32rem;margin:4rem auto'>"
        f"<h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return Response(status_code=status, content_type="text/html; charset=utf-8", body=page, headers=_NO_STORE)


def viewer_ip(address: str | None) -> str | None:
    """Behind CloudFront the connection comes from the edge; the reader's address is in CloudFront-Viewer-Address
    (`ip:port`, an IPv6 ip unbracketed), which the edge's origin request policy forwards."""
    if not address or ":" not in address:
        return None
    return address.rpartition(":")[0] or None


def build_resolver(ports: TrackingPorts, signer: LinkSigner) -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver()

    def claim(token: str, kind: str) -> Claim | None:
        try:
            verified = signer.verify(token)
        except (BadToken, KeyError, TypeError, ValueError):
            return None
        return verified if verified.kind == kind else None

    @app.get("/t/o/<token>")
    def opened(token: str) -> Response[bytes] | Response[str]:
        found = claim(token, "o")
        if found is None:
            return _page(404, "Not found", "<p>This link is not valid.</p>")
        http = app.current_event.request_context.http
        source_ip = viewer_ip(app.current_event.headers.get("cloudfront-viewer-address")) or http.source_ip
        record_open(ports, found, machine=is_machine_open(http.user_agent, source_ip))
        return Response(status_code=200, content_type="image/gif", body=PIXEL, headers=_NO_STORE)

    @app.get("/t/c/<token>")
    def clicked(token: str) -> Response[str]:
        found = claim(token, "c")
        if found is None or not found.url:
            return _page(404, "Not found", "<p>This link is not valid.</p>")
        record_click(ports, found)
        return Response(status_code=302, body="", headers={**_NO_STORE, "Location": found.url})

    @app.get("/t/u/<token>")
    def unsubscribe_page(token: str) -> Response[str]:
        if claim(token, "u") is None:
            return _page(404, "Not found", "<p>This link is not valid.</p>")
        form = (
            f"<p>Stop all emails from this sender?</p><form method=post action='{html.escape(token)}'>"
            "<input type=hidden name=List-Unsubscribe value=One-Click>"
            "<button type=submit>Unsubscribe</button></form>"
        )
        return _page(200, "Unsubscribe", form)

    @app.post("/t/u/<token>")
    def unsubscribe_now(token: str) -> Response[str]:
        found = claim(token, "u")
        if found is None:
            return _page(404, "Not found", "<p>This link is not valid.</p>")
        unsubscribe(
            ports, found, source="one-click" if "One-Click" in (app.current_event.decoded_body or "") else "link"
        )
        return _page(200, "You are unsubscribed", "<p>You will not get any more emails from these sequences.</p>")

    _opt_in_routes(app, ports, signer)
    return app


def _opt_in_routes(app: APIGatewayHttpResolver, ports: TrackingPorts, signer: LinkSigner) -> None:
    def claim(token: str) -> OptInClaim | None:
        try:
            return signer.verify_opt_in(token)
        except (BadToken, KeyError, TypeError, ValueError):
            return None

    @app.get("/t/s/<token>")
    def confirm_page(token: str) -> Response[str]:
        # Confirming takes a POST: mail scanners fetch every link in a message, and a GET that subscribed
        # would turn their visit into the contact's consent.
        if claim(token) is None:
            return _page(404, "Not found", "<p>This link is not valid.</p>")
        form = (
            f"<p>Please confirm your subscription.</p><form method=post action='{html.escape(token)}'>"
            "<button type=submit>Confirm my subscription</button></form>"
        )
        return _page(200, "Confirm your subscription", form)

    @app.post("/t/s/<token>")
    def confirm_now(token: str) -> Response[str]:
        found = claim(token)
        if found is None or ports.consents is None:
            return _page(404, "Not found", "<p>This link is not valid.</p>")
        http = app.current_event.request_context.http
        consent = confirm_opt_in(ports.consents, ports.clock, found, http.source_ip, http.user_agent, ports.audit)
        if consent is None:
            return _page(404, "Not found", "<p>There is no subscription to confirm.</p>")
        if ports.segments is not None:
            join_confirmed_list(ports.segments, ports.clock, found.tenant, found.contact, found.list)
        return _page(200, "Subscription confirmed", "<p>Thank you: your subscription is confirmed.</p>")
