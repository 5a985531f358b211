"""The tenant's daily cap per contact, across sequences, on the local stack."""

from tests.support.local_stack import LocalStack, cli, outbox

SEQUENCE = """
id: cap-{name}-{u}
name: Cap {name}
trigger: {{event: capped.{u}}}
steps:
  - {{id: hello, email: {{subject: "Hello from {name}", html: "<p>{name}</p>"}}}}
"""


def test_a_capped_email_waits_for_the_next_day_instead_of_being_dropped(stack: LocalStack, unique, write_sequence):
    # Given a tenant of its own (settings are cached for a minute in warm functions, so the demo tenant's would
    # leak between tests) with a cap of one email per contact per day, and two sequences on one trigger
    tenant = (stack.api_url, cli("tokens", "create", "--tenant", f"cap-{unique}").stdout.strip())
    cli("settings", "set", "--max-emails-per-day", "1", as_tenant=tenant)
    for name in ("a", "b"):
        path = write_sequence(name, SEQUENCE.format(name=name, u=unique))
        cli("sequences", "apply", str(path), as_tenant=tenant)
    address = f"cap-{unique}@example.com"

    # When the trigger arrives for a UTC contact, only one of the two emails goes out today
    cli("events", "send", f"capped.{unique}", "--email", address, "--attr", "timezone=UTC", as_tenant=tenant)
    assert len(outbox(address)) == 1

    # And the other goes out the next day
    cli("clock", "advance", "1d")
    assert sorted(m["subject"] for m in outbox(address)) == ["Hello from a", "Hello from b"]
