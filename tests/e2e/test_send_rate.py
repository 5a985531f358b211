"""A tenant's send rate on the local stack: a burst over it is spread out, every email sent exactly once."""

import time
from datetime import datetime

from tests.support.local_stack import LocalStack, cli, outbox

SEQUENCE = """
id: rate-{u}
name: Rate {u}
trigger: {{event: burst.{u}}}
steps:
  - {{id: hello, email: {{subject: "Hello {{{{ contact.first_name }}}}", html: "<p>Hi!</p>"}}}}
"""
CONTACTS = 6


def test_a_burst_over_the_tenants_rate_is_spread_out_and_each_email_sent_once(
    stack: LocalStack, unique, write_sequence
):
    # Given a tenant of its own (settings are cached a minute in warm functions) allowed 1 send per second
    token = cli("tokens", "create", "--tenant", f"rate-{unique}").stdout.strip()
    tenant = (stack.api_url, token)
    cli("settings", "set", "--max-sends-per-second", "1", as_tenant=tenant)
    cli("sequences", "apply", str(write_sequence("rate", SEQUENCE.format(u=unique))), as_tenant=tenant)
    addresses = [f"rate-{unique}-{n}@example.com" for n in range(CONTACTS)]

    # When six contacts trigger the sequence in quick succession (well inside a second or two of each other)
    def trigger(n: int) -> int:
        body = {
            "id": f"burst-{unique}-{n}",
            "type": f"burst.{unique}",
            "contact": {"email": addresses[n], "first_name": f"C{n}"},
        }
        return stack.http("POST", "/v1/events", token=token, json=body).status_code

    assert [trigger(n) for n in range(CONTACTS)] == [202] * CONTACTS

    # Then every contact gets its email exactly once ...
    delivered = _wait_for_one_each(addresses, timeout_seconds=150)
    time.sleep(5)  # ... and no throttled retry sends a second copy later
    again = {address: outbox(address) for address in addresses}
    assert {address: len(messages) for address, messages in again.items()} == dict.fromkeys(addresses, 1)
    # And the six sends are spread over at least four seconds (one a second: five seconds from first to last)
    sent = sorted(datetime.fromisoformat(messages[0]["sent_at"]) for messages in delivered.values())
    assert (sent[-1] - sent[0]).total_seconds() >= 4, sent


def _wait_for_one_each(addresses: list[str], timeout_seconds: float) -> dict[str, list[dict]]:
    deadline = time.monotonic() + timeout_seconds
    found: dict[str, list[dict]] = {}
    while time.monotonic() < deadline:
        found = {address: outbox(address) for address in addresses}
        if all(found.values()):
            return found
        time.sleep(3)
    missing = [address for address, messages in found.items() if not messages]
    raise AssertionError(f"no email for {missing} after {timeout_seconds} s")
