"""How `emailseq preview` prints the deliverability check."""

from emailseq_cli.deliverability import deliverability_lines


def test_the_score_verdict_and_rules_are_printed() -> None:
    # Given a checked preview
    checked = {
        "available": True,
        "score": 6.24,
        "threshold": 5.0,
        "is_spam": True,
        "rules": [{"name": "DRUGS_ERECTILE", "score": 1.8, "description": "Refers to an erectile drug"}],
    }
    # When printed
    lines = deliverability_lines(checked).strip().splitlines()
    # Then the score against the threshold, the verdict, and one line per rule
    assert lines[0] == "Deliverability: SpamAssassin score 6.2 / 5.0 (SPAM)"
    assert lines[1].split() == ["1.8", "DRUGS_ERECTILE", "Refers", "to", "an", "erectile", "drug"]


def test_an_unavailable_check_says_why() -> None:
    shown = deliverability_lines({"available": False, "reason": "spamd at 127.0.0.1:7830 is unreachable"})
    assert shown.strip() == "Deliverability: not checked (spamd at 127.0.0.1:7830 is unreachable)"


def test_an_older_api_without_the_check_is_said_so() -> None:
    assert deliverability_lines(None).strip() == "Deliverability: not checked (the API did not check it)"
