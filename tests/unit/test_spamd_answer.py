"""Reading spamd's REPORT answer: the verdict header and the rule table (a captured SpamAssassin 4.0 answer)."""

from pathlib import Path

import pytest
from emailseq.dal.spamd import parse_answer, parse_rules
from emailseq.domain.deliverability import SpamCheckUnavailable, SpamReport, SpamRule, parse_address

CAPTURED = (Path(__file__).parent / "data" / "spamd_report_spam.txt").read_text()


def _wire(text: str) -> bytes:
    """As spamd sends it: CRLF after the status line and each header."""
    head, _, body = text.partition("\n\n")
    return (head.replace("\n", "\r\n") + "\r\n\r\n" + body).encode()


def test_the_verdict_comes_from_the_spam_header() -> None:
    # Given spamd's answer for a spammy message / When parsed
    report = parse_answer(_wire(CAPTURED))
    # Then the score, the threshold and the verdict are the header's
    assert (report.score, report.threshold, report.is_spam) == (6.2, 5.0, True)


def test_every_rule_row_is_read_with_its_score_and_description() -> None:
    # Given the captured answer / When parsed
    rules = parse_answer(_wire(CAPTURED)).rules
    # Then each of the nine rows is a rule, negative zero included
    assert len(rules) == 9
    assert rules[0] == SpamRule("MISSING_MID", 0.6, "Missing Message-Id: header")
    assert SpamRule("NO_RECEIVED", -0.0, "Informational: message has no Received headers") in rules
    assert SpamRule("MISSING_DATE", 2.7, "Missing Date: header") in rules


def test_a_long_rule_name_and_a_wrapped_description_are_joined() -> None:
    # Given a rule whose name overflows its column and whose description wraps / When parsed
    last = parse_answer(_wire(CAPTURED)).rules[-1]
    # Then the name is whole and the description is one line
    assert last == SpamRule("T_DRUGS_ERECTILE_SHORT_SHORTNER", 0.0, "Short erectile drugs advert with T_URL_SHORTENER")


def test_the_content_preview_is_not_mistaken_for_rules() -> None:
    # Given a report whose preview text starts with a number / When its rules are read
    report = "Content preview:  10.5 reasons to buy\n\n pts rule name  description\n---- ----\n 1.0 A_RULE  A thing\n"
    # Then only the table's row counts
    assert parse_rules(report) == [SpamRule("A_RULE", 1.0, "A thing")]


def test_a_clean_message_has_a_low_score_and_no_verdict_of_spam() -> None:
    # Given a ham answer with an empty table
    answer = b"SPAMD/1.1 0 EX_OK\r\nContent-length: 10\r\nSpam: False ; -0.1 / 5.0\r\n\r\n"
    # When parsed / Then
    assert parse_answer(answer) == SpamReport(score=-0.1, threshold=5.0, is_spam=False, rules=())


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (b"SPAMD/1.0 76 Bad header line: (EOF)\r\n\r\n", "refused the check: 76 Bad header line"),
        (b"HTTP/1.1 400 Bad Request\r\n\r\n", "something else than SPAMD"),
        (b"SPAMD/1.1 0 EX_OK\r\nContent-length: 0\r\n\r\n", "no readable Spam header"),
        (b"", "something else than SPAMD"),
    ],
)
def test_an_error_or_a_foreign_answer_makes_the_check_unavailable(answer: bytes, says: str) -> None:
    # Given an answer that is not a usable REPORT / When parsed / Then the check is unavailable, saying why
    with pytest.raises(SpamCheckUnavailable, match=says):
        parse_answer(answer)


def test_top_rules_weigh_both_ways_largest_first() -> None:
    # Given the captured report / When its top three rules are taken
    top = parse_answer(_wire(CAPTURED)).top_rules(3)
    # Then they are the heaviest, in order
    assert [rule.name for rule in top] == ["MISSING_DATE", "DRUGS_ERECTILE", "TO_NO_BRKTS_HTML_ONLY"]


def test_a_negative_rule_outweighs_a_small_positive_one() -> None:
    report = SpamReport(0.0, 5.0, False, (SpamRule("SMALL", 0.1, ""), SpamRule("HAM_BONUS", -1.9, "")))
    assert [rule.name for rule in report.top_rules()] == ["HAM_BONUS", "SMALL"]


@pytest.mark.parametrize("address", ["127.0.0.1", "spamd:", ":783", "host:http", "host:70000"])
def test_a_spamd_address_must_be_host_and_port(address: str) -> None:
    with pytest.raises(ValueError, match="is not host:port"):
        parse_address(address)


def test_an_ipv6_address_is_taken_out_of_its_brackets() -> None:
    assert parse_address("[::1]:783") == ("::1", 783)
