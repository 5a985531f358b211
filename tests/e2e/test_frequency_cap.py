"""The tenant's daily cap per contact, across sequences, on the local stack."""

from tests.support.local_stack import LocalStack, cli, outbox


def test_a_capped_email_waits_for_the_next_day_instead_of_being_dropped(stack: LocalStack, unique, write_sequence):
    # Given a cap of one email per contact per day, and two sequences on the same trigger
    cli("settings", "set", "--max-emails-per-day", "1")
    try:
        for name in ("a", "b"):
            cli(
                "sequences",
                "apply",
                str(
                    write_sequence(
                        name,
                        f"""
id: cap-{name}-{unique}
name: Cap {name}
trigger: {{event: capped.{unique}}}
steps:
  - {{id: hello, email: {{subject: "Hello from {name}", html: "<p>{name}</p>"}}}}
""",
                    )
                ),
            )
        address = f"cap-{unique}@example.com"
        # When the trigger arrives (UTC contact), only one of the two emails goes out today
        cli("events", "send", f"capped.{unique}", "--email", address, "--attr", "timezone=UTC")
        assert len(outbox(address)) == 1
        # And the other goes out the next day
        cli("clock", "advance", "1d")
        assert sorted(m["subject"] for m in outbox(address)) == ["Hello from a", "Hello from b"]
    finally:
        cli("settings", "set")
