"""The chaos run's accounting: promised emails against what the provider accepted and what the DLQs hold."""

from emailseq_cli.local.chaos.accounting import Plan, chaos_subject, tally

RUN = "c0ffee01"


def _plan() -> Plan:
    return Plan(
        run=RUN,
        steps={"s1": ("e1", "e2"), "s2": ("e1", "e2", "e3")},
        enrolled={"a@x.test": "s1", "b@x.test": "s2"},
    )


def _sent(to: str, sequence: str, step: str) -> tuple[str, str]:
    return (to, chaos_subject(RUN, sequence, step))


def test_every_promised_email_accepted_once_is_a_clean_run() -> None:
    # Given two contacts whose five promised emails were each accepted once
    accepted = [_sent("a@x.test", "s1", s) for s in ("e1", "e2")] + [
        _sent("b@x.test", "s2", s) for s in ("e1", "e2", "e3")
    ]
    # When the run is tallied
    result = tally(_plan(), accepted, [])
    # Then nothing is duplicated or lost, and the line says so
    assert result.line() == "chaos: enrollments=2 expected=5 delivered=5 duplicates=0 lost=0 dlq=0"


def test_a_repeat_counts_as_a_duplicate_and_as_delivered() -> None:
    # Given a's first email accepted three times (two repeats) and everything else once
    accepted = [_sent("a@x.test", "s1", "e1")] * 3 + [_sent("a@x.test", "s1", "e2")]
    accepted += [_sent("b@x.test", "s2", s) for s in ("e1", "e2", "e3")]
    # When tallied / Then delivered counts every acceptance and duplicates the two repeats
    result = tally(_plan(), accepted, [])
    assert (result.delivered, result.duplicates, result.lost) == (7, 2, 0)


def test_a_missing_email_is_lost_unless_its_contact_has_a_message_in_a_dlq() -> None:
    # Given a's second email and b's last two never accepted, and b's send order parked in the send DLQ
    accepted = [_sent("a@x.test", "s1", "e1"), _sent("b@x.test", "s2", "e1")]
    # When tallied with that dead letter
    result = tally(_plan(), accepted, [("b@x.test", "s2")])
    # Then b's two are accounted for by the DLQ and only a's is lost (and named)
    assert (result.lost, result.missing_in_dlq, result.dlq) == (1, 2, 1)
    assert result.lost_examples == ["a@x.test/s1/e2"]


def test_other_runs_messages_and_foreign_subjects_are_ignored() -> None:
    # Given the emulator's SES also holding another run's chaos email and an ordinary email to the same address
    accepted = [("a@x.test", chaos_subject("c0ther000", "s1", "e1")), ("a@x.test", "Welcome, Ada")]
    # When tallied / Then neither is delivered for this run: all five promised are lost
    result = tally(_plan(), accepted, [])
    assert (result.delivered, result.lost) == (0, 5)


def test_an_email_nobody_was_promised_is_counted_apart() -> None:
    # Given an acceptance for a step the contact's sequence does not have (a bug the run must show)
    accepted = [_sent("a@x.test", "s1", "e9")]
    # When tallied / Then it is delivered but unexpected, not a duplicate
    result = tally(_plan(), accepted, [])
    assert (result.delivered, result.unexpected, result.duplicates) == (1, 1, 0)


def test_recipients_match_whatever_their_case() -> None:
    # Given the provider reporting the address in another case
    result = tally(_plan(), [_sent("A@X.test", "s1", "e1")], [])
    # When tallied / Then it is a's email
    assert result.lost == 4


def test_a_short_race_expects_only_the_steps_due_by_its_end() -> None:
    # Given the chaos sequences' waits / When the clock races 2 days, then 30
    from emailseq_cli.local.chaos.workload import SHAPES, due_steps

    # Then 2 days promise s1's two emails, s2's first two (day 2) and the first of s3 and s4; 30 days promise all
    assert due_steps(SHAPES, 2) == {"s1": ("e1", "e2"), "s2": ("e1", "e2"), "s3": ("e1",), "s4": ("e1",)}
    assert due_steps(SHAPES, 30) == {
        "s1": ("e1", "e2"),
        "s2": ("e1", "e2", "e3"),
        "s3": ("e1", "e2"),
        "s4": ("e1", "e2", "e3"),
    }


def test_a_large_run_waits_for_its_intake_before_the_clock_moves() -> None:
    from emailseq_cli.local.chaos.run import Options

    # Given the default run and a small one / Then the default may drain for 50 minutes, the small one 10
    assert Options().patience == 3000
    assert Options(enrollments=300).patience == 600
