"""Double opt-in on the local stack: adding a contact to a list that asks for it sends a confirmation email; the
contact joins only when it confirms through the signed link (a POST: mail scanners' GETs confirm nothing)."""

import re
import time

import httpx

from tests.support.local_stack import LocalStack, cli, outbox


def _confirmation(address: str, within_seconds: float = 90) -> dict[str, object]:
    deadline = time.monotonic() + within_seconds
    while time.monotonic() < deadline:
        found = [m for m in outbox(address) if "confirm your subscription" in str(m["subject"])]
        if found:
            return found[0]
        time.sleep(2)
    raise AssertionError(f"no confirmation email to {address} within {within_seconds} s")


def test_a_contact_joins_a_double_opt_in_list_only_after_confirming(stack: LocalStack, unique):
    # Given a contact, and a list that asks for double opt-in
    address = f"optin-{unique}@example.com"
    cli("events", "send", f"joined.{unique}", "--email", address, "--attr", "first_name=Noor")
    news = stack.http("POST", "/v1/lists", json={"name": f"News {unique}", "double_opt_in": True}).json()

    # When an editor adds the contact
    added = stack.http("POST", f"/v1/lists/{news['id']}/members", json={"emails": [address]})

    # Then it is pending, not a member, and a confirmation email with a signed link arrives
    assert added.status_code == 200, added.text
    assert added.json()["changed"] == []
    (contact_id,) = added.json()["pending"]
    members = stack.http("GET", f"/v1/lists/{news['id']}/members").json()
    assert members["items"] == []
    message = _confirmation(address)
    assert message["subject"] == f"Please confirm your subscription to News {unique}"
    (link,) = set(re.findall(r"href=[\"']([^\"']+/t/s/[^\"']+)[\"']", str(message["html"])))

    # When a scanner fetches the link, nothing is confirmed; when the contact presses the button, it is
    assert httpx.get(link, timeout=30).status_code == 200
    assert stack.http("GET", f"/v1/lists/{news['id']}/members").json()["items"] == []
    confirmed = httpx.post(link, timeout=30)
    assert confirmed.status_code == 200
    assert "confirmed" in confirmed.text

    # Then the contact is a member of the list
    members = stack.http("GET", f"/v1/lists/{news['id']}/members").json()
    assert [m["contact_id"] for m in members["items"]] == [contact_id]
