"""Content recommendations through the real handlers and the real model (MiniLM int8 on onnxruntime): blocks PUT
through apiContent, the recommender keeping Ada's profile from her enrollment and her click, and the sender
rendering `recommend('blog', 2)` for her, the clicked post left out and the most similar one first."""

import base64
import json
from datetime import UTC, datetime
from typing import Any

import boto3
from emailseq.dal.content import DynamoContentBlocks
from emailseq.domain.content import ContentBlock

ONE_DAY_AND_A_MINUTE = str(24 * 3600 + 60)
ADA = "ada@example.com"
POSTS = {
    "deliverability": (
        "Email deliverability: SPF, DKIM and DMARC",
        "Authenticate your sending domain so inbox providers trust your newsletters.",
        ["email", "deliverability"],
    ),
    "subject-lines": (
        "Email subject lines that get opened",
        "Patterns for newsletter subject lines that raise open rates in email marketing campaigns.",
        ["email", "copywriting"],
    ),
    "sourdough": (
        "Baking your first sourdough loaf",
        "Starter, flour, water and salt: a beginner's bread.",
        ["baking"],
    ),
    "gravel": ("Choosing a gravel bike", "Tyres, gears and frame geometry for mixed-terrain cycling.", ["cycling"]),
}
LOOP = "{% for b in recommend('blog', 2) %}<p><a href=\"{{ b.url }}\">{{ b.title }}</a></p>{% endfor %}"
DIGEST = {
    "id": "digest",
    "name": "Digest",
    "trigger": {"event": "signed_up"},
    "steps": [
        {"id": "welcome", "email": {"subject": "Picked for you", "html": LOOP}},
        {"wait": "1d"},
        {"id": "more", "email": {"subject": "More for you", "html": LOOP}},
    ],
}
EDITOR = {"tenant": "t1", "role": "editor", "sub": "dev:e"}
VIEWER = {"tenant": "t1", "role": "viewer", "sub": "dev:v"}

NOW = datetime(2026, 11, 28, tzinfo=UTC)
VECTOR = bytes(4 * 384)


def _content(stack, method: str, block_id: str | None = None, body: Any = None, caller: dict[str, str] = EDITOR):
    path, route, params = "/v1/content/blog", "/v1/content/{collection}", {"collection": "blog"}
    if block_id is not None:
        path, route, params = f"{path}/{block_id}", f"{route}/{{block_id}}", {**params, "block_id": block_id}
    event = stack.http_event(
        method, path, route_key=f"{method} {route}", body=body, caller=caller, path_parameters=params
    )
    return stack.call_api("apiContent", event)


def _publish(stack) -> None:
    for block_id, (title, summary, tags) in POSTS.items():
        body = {"title": title, "url": f"https://acme.test/blog/{block_id}", "summary": summary, "tags": tags}
        assert _content(stack, "PUT", block_id, body).status == 201


def _targets(stack, message) -> list[str]:
    """Where each tracked link of the message leads (the `u` of its signed click token)."""
    tokens = [link.rsplit("/", 1)[1] for link in stack.links(message)]
    payloads = [token.split(".", 1)[0] for token in tokens]
    return [json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))["u"] for p in payloads]


def test_the_clicked_post_is_left_out_and_the_most_similar_one_comes_first(stack):
    # Given four blog posts PUT through the content API, and the digest sequence applied
    _publish(stack)
    assert stack.put_sequence(DIGEST).status == 200
    recommender = stack.cold_start("recommender")

    # When Ada, into email marketing, signs up, and the recommender hears of her enrollment before the welcome
    contact = {"email": ADA, "attributes": {"interests": "email marketing and newsletters"}}
    assert stack.post_event({"id": "evt-ada", "type": "signed_up", "contact": contact}).status == 202
    stack.deliver("EnrollQueue", stack.cold_start("enroller"))
    assert len(stack.deliver("RecommendQueue", recommender)) == 1
    stack.deliver("SendQueue", stack.cold_start("sender"))

    # Then the welcome recommends the two email posts, not the bread or the bike
    (welcome,) = stack.sent_emails()
    welcomed = _targets(stack, welcome)
    assert sorted(welcomed) == ["https://acme.test/blog/deliverability", "https://acme.test/blog/subject-lines"]

    # When she clicks the first one, and the click reaches the recommender twice (a redelivery)
    assert stack.follow(stack.links(welcome)[0]).status == 302
    (clicked,) = stack.drain("RecommendQueue")
    assert json.loads(clicked["Body"])["detail-type"] == "LinkClicked"
    twice = stack.sqs_event("RecommendQueue", [clicked, clicked])
    assert recommender.invoke(twice) == {"batchItemFailures": []}
    profile = stack.item(f"TENANT#t1#CONTACT#{stack.find_contact(ADA).body['id']}", "CONTENT_PROFILE")
    assert profile is not None
    assert (profile["clicked"], profile["version"]) == (["blog/" + welcomed[0].rsplit("/", 1)[1]], 2)

    # And a day later the next email is sent
    later = {"EMAILSEQ_CLOCK_OFFSET_SECONDS": ONE_DAY_AND_A_MINUTE}
    assert stack.cold_start("scheduler", **later).invoke(stack.scheduled_event()) == {"queued": 1}
    stack.deliver("SendQueue", stack.cold_start("sender", **later))

    # Then it leaves the clicked post out and puts the other email post first
    more = _targets(stack, stack.sent_emails()[1])
    assert welcomed[0] not in more
    assert more[0] == welcomed[1]

    # And when she is erased, her content profile goes with her
    contact_id = stack.find_contact(ADA).body["id"]
    erase = stack.http_event(
        "DELETE",
        f"/v1/contacts/{contact_id}",
        route_key="DELETE /v1/contacts/{contact_id}",
        path_parameters={"contact_id": contact_id},
    )
    assert stack.call_api("apiContacts", erase).status == 204
    assert stack.item(f"TENANT#t1#CONTACT#{contact_id}", "CONTENT_PROFILE") is None


def test_the_content_api_checks_input_roles_and_tenants(stack):
    # Given the posts
    _publish(stack)
    # Then a bad block is refused naming the field, and a viewer may read but not write
    bad = _content(stack, "PUT", "x", {"title": "", "url": "ftp://acme.test/x", "tags": ["a" * 51]})
    assert bad.status == 422
    assert {e["field"] for e in bad.body["errors"]} == {"title", "url", "tags[0]"}
    assert _content(stack, "PUT", "bad id!", {"title": "t", "url": "https://a.test"}).status == 422
    assert _content(stack, "PUT", "x", {"title": "t", "url": "https://a.test"}, caller=VIEWER).status == 403
    listed = _content(stack, "GET", caller=VIEWER)
    assert [item["id"] for item in listed.body["items"]] == list(reversed(POSTS))  # newest first
    # And another tenant sees none of them
    other = {"tenant": "t2", "role": "owner", "sub": "dev:o"}
    assert _content(stack, "GET", caller=other).body == {"items": []}
    assert _content(stack, "DELETE", "gravel", caller=other).status == 404
    # And a deleted block is gone from the list
    assert _content(stack, "DELETE", "gravel").status == 204
    assert "gravel" not in [item["id"] for item in _content(stack, "GET").body["items"]]


def test_a_record_the_recommender_cannot_read_fails_alone_and_stays_for_the_dlq(stack):
    # Given a batch of a malformed record and a click on a link that is no content block
    click = {"tenant_id": "t1", "contact_id": "c1", "sequence_id": "s", "step_id": "w", "url": "https://acme.test/"}
    envelope = {"id": "e-1", "detail-type": "LinkClicked", "detail": {**click, "clicked_at": "2026-01-05T10:00:00Z"}}
    records = [
        stack.sqs_record("RecommendQueue", "{not json", "bad"),
        stack.sqs_record("RecommendQueue", json.dumps(envelope)),
    ]
    # When the recommender handles it / Then only the malformed one is reported failed (SQS retries it, then the DLQ)
    response = stack.cold_start("recommender").invoke({"Records": records})
    assert response == {"batchItemFailures": [{"itemIdentifier": "bad"}]}


def test_a_block_moved_to_a_new_url_is_matched_by_clicks_on_the_new_one_only(stack):
    # Given the gravel post, then moved to a new URL
    _publish(stack)
    title, summary, tags = POSTS["gravel"]
    moved = {"title": title, "url": "https://acme.test/bikes/gravel", "summary": summary, "tags": tags}
    assert _content(stack, "PUT", "gravel", moved).status == 200
    recommender = stack.cold_start("recommender")

    def click(contact_id: str, url: str) -> dict[str, Any] | None:
        detail = {"tenant_id": "t1", "contact_id": contact_id, "sequence_id": "s", "step_id": "w", "url": url}
        envelope = {
            "id": contact_id,
            "detail-type": "LinkClicked",
            "detail": {**detail, "clicked_at": "2026-01-05T10:00:00Z"},
        }
        record = stack.sqs_record("RecommendQueue", json.dumps(envelope))
        assert recommender.invoke({"Records": [record]}) == {"batchItemFailures": []}
        return stack.item(f"TENANT#t1#CONTACT#{contact_id}", "CONTENT_PROFILE")

    # When one contact clicks the old URL and another the new one
    # Then only the click on the new URL counts as a click on the post
    assert click("c-old", "https://acme.test/blog/gravel") is None
    assert click("c-new", "https://acme.test/bikes/gravel?utm_medium=email")["clicked"] == ["blog/gravel"]


def test_a_collection_is_counted_without_reading_its_blocks(stack):
    # Given three blocks in "blog" and one in "news", each with a 384-float vector
    blocks = DynamoContentBlocks(boto3.client("dynamodb"), stack.refs["DataTable"])
    for collection, block_id in [("blog", "a"), ("blog", "b"), ("blog", "c"), ("news", "a")]:
        blocks.put(
            ContentBlock("t1", collection, block_id, "T", f"https://e.com/{collection}/{block_id}", "", (), NOW, VECTOR)
        )
    # When counted / Then each collection's own blocks are counted, and an empty one is 0
    assert [blocks.count("t1", c) for c in ("blog", "news", "empty")] == [3, 1, 0]
    assert blocks.count("t2", "blog") == 0
