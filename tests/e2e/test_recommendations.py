"""Content recommendations on the local stack: three blog posts PUT through the content API (the deployed apiContent
embeds them with MiniLM from the replyModel layer), a contact enrolled with an `interests` attribute (the deployed
recommender builds her profile from the bus), and the email the sender renders for her puts the matching post first
though it is the oldest."""

import base64
import json
import re

import pytest
from emailseq_cli.local.aws import local_client
from emailseq_cli.local.deploy import stack_outputs

from tests.support.local_stack import cli, outbox, poll

pytestmark = pytest.mark.e2e

POSTS = [  # PUT in this order: the cycling post is the oldest, so newest-first would put it last
    ("gravel", "Choosing a gravel bike", "Tyres, gears and frame geometry for mixed-terrain cycling.", ["cycling"]),
    ("sourdough", "Your first sourdough loaf", "Starter, flour, water and salt: a beginner's bread.", ["baking"]),
    ("dmarc", "SPF, DKIM and DMARC", "Authenticate your sending domain so inboxes trust your newsletters.", ["email"]),
]


def _target(link: str) -> str:
    """Where a tracked click link leads (the `u` of its signed token)."""
    payload = link.rsplit("/", 1)[1].split(".", 1)[0]
    return str(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["u"])


def test_the_contacts_interests_put_the_matching_post_first(stack, unique):
    collection = f"blog-{unique}"
    # Given three posts in a collection of their own
    for block_id, title, summary, tags in POSTS:
        body = {"title": title, "url": f"https://acme.test/{unique}/{block_id}", "summary": summary, "tags": tags}
        response = stack.http("PUT", f"/v1/content/{collection}/{block_id}", json=body)
        assert response.status_code == 201, response.text
    # And a sequence whose one email, an hour after enrollment, recommends two of them
    link = "<p><a href='{{ b.url }}'>{{ b.title }}</a></p>"
    loop = f"{{% for b in recommend('{collection}', 2) %}}{link}{{% endfor %}}"
    email = {"id": "picks", "email": {"subject": "Picked for you", "html": loop}}
    document = {
        "id": f"reco-{unique}",
        "name": "Picks",
        "trigger": {"event": f"reco.{unique}"},
        "steps": [{"wait": "1h"}, email],
    }
    assert stack.http("PUT", f"/v1/sequences/reco-{unique}", json=document).status_code == 200

    # When a contact into cycling enrolls, and the recommender has built her profile
    address = f"rider-{unique}@example.com"
    contact = {"email": address, "attributes": {"interests": "road cycling and bike repairs"}}
    event = {"id": f"evt-{unique}", "type": f"reco.{unique}", "contact": contact}
    assert stack.http("POST", "/v1/events", json=event).status_code == 202
    contact_id = poll(lambda: stack.http("GET", "/v1/contacts", params={"email": address}).json().get("id"), 90)
    table = stack_outputs(stack.endpoint)["DataTableName"]
    dynamodb = local_client("dynamodb", stack.endpoint)
    key = {"pk": {"S": f"TENANT#demo#CONTACT#{contact_id}"}, "sk": {"S": "CONTENT_PROFILE"}}
    assert poll(lambda: dynamodb.get_item(TableName=table, Key=key).get("Item"), 90), "no content profile was built"
    # And the hour passes
    cli("clock", "advance", "61m")

    # Then her email recommends the cycling post first, though it is the oldest
    (picks,) = poll(lambda: outbox(address), 90)
    targets = [_target(link) for link in re.findall(r"""href=["']([^"']+/t/c/[^"']+)["']""", picks["html"])]
    assert targets[0] == f"https://acme.test/{unique}/gravel", targets
