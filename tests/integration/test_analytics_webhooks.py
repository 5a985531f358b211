"""Analytics and outgoing webhooks through the real handlers on moto: the domain events of a send, a click and a
conversion reach the analytics and webhook queues by the bus rule of infrastructure/analytics.yml; counters are
idempotent, the conversion is credited to the clicked email, the export is a CSV in S3, and deliveries are signed,
retried with backoff, logged, and refused for private targets as deployed in AWS."""

import csv
import io
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from emailseq.dal.items import tenant_key, to_item
from emailseq.domain.webhooks import SIGNATURE_HEADER, verify


class Receiver:
    """A local HTTP server answering `statuses` in turn (then 204), recording each request."""

    def __init__(self, *statuses: int) -> None:
        self.statuses = list(statuses)
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                receiver.requests.append((dict(self.headers), self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver(500)  # the first delivery fails: the retry is part of every test that delivers
    yield started
    started.server.shutdown()


@pytest.fixture
def journey(stack, welcome_sequence) -> dict[str, Any]:
    """Ada signed up, got the welcome email, clicked its link, then purchased (the goal)."""
    assert stack.put_sequence(welcome_sequence).status == 200
    stack.post_event({"id": "evt-ada", "type": "signed_up", "contact": {"email": "ada@example.com"}})
    stack.deliver("EnrollQueue", stack.cold_start("enroller"))
    stack.deliver("SendQueue", stack.cold_start("sender"))
    (message,) = stack.sent_emails()
    (link,) = stack.links(message)
    assert stack.follow(link).status == 302
    stack.post_event({"id": "evt-buy", "type": "purchased", "contact": {"email": "ada@example.com"}})
    stack.deliver("EnrollQueue", stack.cold_start("enroller"))
    return {"message": message}


def _api(stack, function: str, method: str, path: str, route: str, body: Any = None, **params: str):
    event = stack.http_event(method, path, route_key=f"{method} {route}", body=body, path_parameters=params or None)
    return stack.call_api(function, event)


def test_counters_are_idempotent_and_the_conversion_is_credited_to_the_clicked_email(stack, journey):
    # Given the journey's domain events on the analytics queue
    messages = stack.receive("AnalyticsQueue")
    kinds = sorted(json.loads(m["Body"])["detail-type"] for m in messages)
    assert kinds == ["ContactEnrolled", "EmailOpened", "EmailSent", "EnrollmentConverted", "LinkClicked"]
    analytics = stack.cold_start("analytics")
    ordered = sorted(messages, key=lambda m: json.loads(m["Body"])["time"])  # the click before the conversion

    # When the analytics function handles them, and then the very same messages again (a redelivery)
    for _ in range(2):
        for message in ordered:
            assert analytics.invoke(stack.sqs_event("AnalyticsQueue", [message])) == {"batchItemFailures": []}

    # Then the report counts each once, and the welcome email gets the conversion
    report = stack.report("welcome")
    (welcome, follow_up) = report["steps"]
    assert (report["enrolled"], report["sent"], report["clicked"], report["converted"]) == (1, 1, 1, 1)
    assert (welcome["id"], welcome["sent"], welcome["clicked"], welcome["converted"]) == ("welcome", 1, 1, 1)
    assert follow_up["converted"] == 0
    # And today's day of the daily series says the same
    today = datetime.now(UTC).date().isoformat()
    daily = _api(
        stack,
        "apiAnalytics",
        "GET",
        "/v1/sequences/welcome/report/daily",
        "/v1/sequences/{sequence_id}/report/daily",
        sequence_id="welcome",
    )
    assert daily.status == 200, daily.body
    (day,) = [d for d in daily.body["days"] if d["date"] == today]
    assert (day["enrolled"], day["converted"]) == (1, 1)
    assert {k: day["steps"][0][k] for k in ("id", "sent", "opened", "clicked", "converted")} == {
        "id": "welcome",
        "sent": 1,
        "opened": 1,
        "clicked": 1,
        "converted": 1,  # a click is an open too
    }


def test_an_export_is_a_csv_in_s3_behind_a_presigned_link(stack, journey):
    # Given the journey counted
    stack.deliver("AnalyticsQueue", stack.cold_start("analytics"))

    # When an editor exports the sequence's events
    created = _api(
        stack,
        "apiAnalytics",
        "POST",
        "/v1/sequences/welcome/exports",
        "/v1/sequences/{sequence_id}/exports",
        body={},
        sequence_id="welcome",
    )

    # Then the answer links to a CSV file under exports/ with one row per event, with Ada's address
    assert created.status == 201, created.body
    assert created.body["rows"] == 5
    key = urlsplit(created.body["url"]).path.lstrip("/").removeprefix(f"{stack.archive_bucket}/")
    assert key.startswith("exports/t1/welcome/")
    text = boto3.client("s3").get_object(Bucket=stack.archive_bucket, Key=key)["Body"].read().decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    events = sorted(r["event"] for r in rows)
    assert events == ["email.clicked", "email.opened", "email.sent", "sequence.converted", "sequence.enrolled"]
    assert {r["email"] for r in rows} == {"ada@example.com"}
    (conversion,) = [r for r in rows if r["event"] == "sequence.converted"]
    assert conversion["attributed_step"] == "welcome"


def test_a_webhook_is_signed_retried_with_backoff_and_logged(stack, journey, receiver):
    # Given a subscription to email.sent and email.clicked at a receiver whose first answer is a 500
    created = _api(
        stack,
        "apiWebhooks",
        "POST",
        "/v1/webhooks",
        "/v1/webhooks",
        body={"url": receiver.url, "events": ["email.sent", "email.clicked"]},
    )
    assert created.status == 201, created.body
    subscription = created.body

    # When the fan-out runs, one order per wanted event is queued
    stack.deliver("WebhookQueue", stack.cold_start("webhooks"))
    orders = stack.receive("WebhookDeliveryQueue")
    assert sorted(json.loads(o["Body"])["event_type"] for o in orders) == ["email.clicked", "email.sent"]

    # When the delivery worker (private targets allowed, as on the local stack) handles them
    delivery = stack.cold_start("webhookDelivery", EMAILSEQ_WEBHOOK_PRIVATE_TARGETS="allow")
    first = stack.handle("WebhookDeliveryQueue", delivery, orders)

    # Then the order the receiver failed stays on the queue, hidden for the first backoff (30 s), the other is done
    assert len(first["batchItemFailures"]) == 1
    assert stack.receive("WebhookDeliveryQueue") == []
    failed = [o for o in orders if o["MessageId"] == first["batchItemFailures"][0]["itemIdentifier"]]
    stack.visibility_lapses("WebhookDeliveryQueue", failed)
    again = stack.receive("WebhookDeliveryQueue")
    assert stack.handle("WebhookDeliveryQueue", delivery, again) == {"batchItemFailures": []}

    # And every request was signed with the subscription's secret over timestamp + body
    assert len(receiver.requests) == 3
    for headers, body in receiver.requests:
        assert verify(subscription["secret"], headers[SIGNATURE_HEADER], body, now=int(time.time()))
    # And the delivery log shows the failure and both deliveries, newest first
    log = _api(
        stack,
        "apiWebhooks",
        "GET",
        f"/v1/webhooks/{subscription['id']}/deliveries",
        "/v1/webhooks/{webhook_id}/deliveries",
        webhook_id=subscription["id"],
    )
    outcomes = sorted((e["outcome"], e["status_code"], e["attempt"]) for e in log.body["items"])
    assert outcomes == [("delivered", 204, 1), ("delivered", 204, 2), ("failed", 500, 1)]


def test_a_signing_secret_is_sealed_at_rest_and_opened_only_by_the_delivery(stack, journey, receiver):
    # Given a subscription created through the API (its secret shown once, in the answer)
    created = _api(
        stack, "apiWebhooks", "POST", "/v1/webhooks", "/v1/webhooks", body={"url": receiver.url, "events": ["*"]}
    )
    secret = created.body["secret"]

    # Then the stored item holds a sealed record, not the secret, and no reading shows it again
    stored = stack.item(tenant_key("t1", "WEBHOOKS"), f"SUB#{created.body['id']}")
    assert stored is not None
    assert set(stored["secret"]) == {"v", "k", "n", "c"}
    assert secret.encode() not in json.dumps(stored, default=repr).encode()
    listed = _api(stack, "apiWebhooks", "GET", "/v1/webhooks", "/v1/webhooks")
    assert "secret" not in listed.body["items"][0]

    # When the fan-out queues its orders, and one more is forged for a copy of the item under another id
    stack.deliver("WebhookQueue", stack.cold_start("webhooks"))
    orders = stack.receive("WebhookDeliveryQueue")
    copy = {**stored, "sk": "SUB#copied", "subscription_id": "copied"}
    boto3.client("dynamodb").put_item(TableName=stack.refs["DataTable"], Item=to_item(copy))
    forged = {
        **orders[0],
        "MessageId": "forged",
        "Body": json.dumps({**json.loads(orders[0]["Body"]), "subscription_id": "copied"}),
    }
    delivery = stack.cold_start("webhookDelivery", EMAILSEQ_WEBHOOK_PRIVATE_TARGETS="allow")
    handled = stack.handle("WebhookDeliveryQueue", delivery, [*orders, forged])

    # Then the delivery worker opened the real secret: the receiver verifies each POST with the one it was shown
    assert len(receiver.requests) == len(orders)
    for headers, body in receiver.requests:
        assert verify(secret, headers[SIGNATURE_HEADER], body, now=int(time.time()))
    # And the copied secret does not open under another subscription: that order fails, nothing is posted for it
    assert "forged" in {failure["itemIdentifier"] for failure in handled["batchItemFailures"]}


def test_a_secret_stored_before_sealing_still_signs_and_is_sealed_when_the_subscription_changes(
    stack, journey, receiver
):
    # Given a subscription written before secrets were sealed (its secret in plain text)
    LEGACY = "0" * 31 + "1"  # noqa: N806 - a subscription id as the API makes them (32 hex digits)
    legacy = {
        "pk": tenant_key("t1", "WEBHOOKS"),
        "sk": f"SUB#{LEGACY}",
        "subscription_id": LEGACY,
        "url": receiver.url,
        "events": json.dumps(["*"]),
        "secret": "whsec_legacy",
        "created_at": "2026-11-01T00:00:00+00:00",
        "description": "",
        "enabled": True,
    }
    boto3.client("dynamodb").put_item(TableName=stack.refs["DataTable"], Item=to_item(legacy))

    # When its orders are delivered / Then each POST is signed with that secret
    stack.deliver("WebhookQueue", stack.cold_start("webhooks"))
    delivery = stack.cold_start("webhookDelivery", EMAILSEQ_WEBHOOK_PRIVATE_TARGETS="allow")
    stack.handle("WebhookDeliveryQueue", delivery, stack.receive("WebhookDeliveryQueue"))
    assert receiver.requests
    for headers, body in receiver.requests:
        assert verify("whsec_legacy", headers[SIGNATURE_HEADER], body, now=int(time.time()))

    # When the subscription is changed through the API / Then its secret is stored sealed from then on
    path = "/v1/webhooks/{webhook_id}"
    event = stack.http_event(
        "PATCH",
        f"/v1/webhooks/{LEGACY}",
        route_key=f"PATCH {path}",
        body={"description": "moved"},
        path_parameters={"webhook_id": LEGACY},
    )
    assert stack.call_api("apiWebhooks", event).status == 200
    stored = stack.item(tenant_key("t1", "WEBHOOKS"), f"SUB#{LEGACY}")
    assert stored is not None
    assert set(stored["secret"]) == {"v", "k", "n", "c"}


def test_a_private_target_is_refused_as_deployed_in_aws(stack, journey, receiver):
    # Given a subscription at a loopback URL, and the delivery worker as deployed in AWS (private targets refused)
    created = _api(
        stack, "apiWebhooks", "POST", "/v1/webhooks", "/v1/webhooks", body={"url": receiver.url, "events": ["*"]}
    )
    stack.deliver("WebhookQueue", stack.cold_start("webhooks"))

    # When the orders are delivered
    stack.deliver("WebhookDeliveryQueue", stack.cold_start("webhookDelivery"))

    # Then nothing reached the receiver, and each attempt is logged as refused (not retried)
    assert receiver.requests == []
    log = _api(
        stack,
        "apiWebhooks",
        "GET",
        f"/v1/webhooks/{created.body['id']}/deliveries",
        "/v1/webhooks/{webhook_id}/deliveries",
        webhook_id=created.body["id"],
    )
    assert {e["outcome"] for e in log.body["items"]} == {"refused"}
    assert len(log.body["items"]) == 5  # enrolled, sent, opened, clicked, converted


def test_a_tenant_that_allows_private_targets_gets_its_webhooks_as_deployed_in_aws(stack, journey, receiver):
    # Given tenant t1 allows private targets for itself, and a subscription at a loopback URL
    settings = stack.http_event(
        "PUT", "/v1/settings", route_key="PUT /v1/settings", body={"allow_private_webhook_targets": True}
    )
    assert stack.call_api("apiSequences", settings).status == 200
    _api(stack, "apiWebhooks", "POST", "/v1/webhooks", "/v1/webhooks", body={"url": receiver.url, "events": ["*"]})
    stack.deliver("WebhookQueue", stack.cold_start("webhooks"))

    # When the delivery worker as deployed in AWS (private targets refused by default) handles the orders
    orders = stack.receive("WebhookDeliveryQueue")
    first = stack.handle("WebhookDeliveryQueue", stack.cold_start("webhookDelivery"), orders)

    # Then every order reached the receiver (the tenant's choice is honoured); only the one it answered 500 to is
    # left for a retry, and none was refused
    assert len(receiver.requests) == 5  # enrolled, sent, opened, clicked, converted
    assert len(first["batchItemFailures"]) == 1


def test_webhook_input_is_checked_and_other_tenants_see_nothing(stack):
    bad = _api(
        stack,
        "apiWebhooks",
        "POST",
        "/v1/webhooks",
        "/v1/webhooks",
        body={"url": "ftp://example.com/x", "events": ["email.exploded"]},
    )
    assert bad.status == 422
    assert {e["field"] for e in bad.body["errors"]} >= {"url", "events[0]"}
    created = _api(
        stack,
        "apiWebhooks",
        "POST",
        "/v1/webhooks",
        "/v1/webhooks",
        body={"url": "https://example.com/hook", "events": ["*"]},
    )
    other = {"tenant": "t2", "role": "owner", "sub": "dev:y"}
    event = stack.http_event(
        "GET",
        f"/v1/webhooks/{created.body['id']}",
        route_key="GET /v1/webhooks/{webhook_id}",
        caller=other,
        path_parameters={"webhook_id": created.body["id"]},
    )
    assert stack.call_api("apiWebhooks", event).status == 404
