"""The deliverability check against a real SpamAssassin (`spamd -L`, offline rules) started for this module: the
spamd client on its own, then the preview route of the real apiSequences handler."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from emailseq.api.deps import clear_caches
from emailseq.dal.spamd import SpamdClient
from emailseq.domain.ports import OutgoingEmail
from emailseq.rendering.message import build_mime

from tests.support.spamd import running_spamd

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def spamd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_spamd(tmp_path_factory.mktemp("spamd")) as address:
        yield address


def _email(subject: str, html: str, text: str) -> OutgoingEmail:
    return OutgoingEmail("ada@example.com", subject, html, text)


def test_a_plain_welcome_email_scores_below_the_threshold(spamd: str) -> None:
    # Given the MIME message the sender builds for a friendly welcome
    raw = build_mime(_email("Welcome, Ada", "<p>Hi Ada!</p>", "Hi Ada!"), "News <news@example.com>", NOW)
    # When spamd scores it
    report = SpamdClient(spamd).check(raw)
    # Then it is not spam, against SpamAssassin's default threshold, and the rules that fired are named
    assert report.threshold == 5.0
    assert report.score < report.threshold
    assert report.is_spam is False
    assert report.rules
    assert all(rule.name.isupper() for rule in report.rules)
    assert all(rule.description for rule in report.rules)


def test_a_spammy_email_is_spam_with_the_rules_that_say_why(spamd: str) -> None:
    # Given shouting, money and pills in the message
    html = "<p>100% FREE!!! Viagra cheap, CLICK HERE to claim your PRIZE. Act now! Limited time!</p>"
    raw = build_mime(_email("FREE MONEY!!! Click now", html, "FREE!!!"), "WINNER <win@example.com>", NOW)
    # When spamd scores it
    report = SpamdClient(spamd).check(raw)
    # Then a drug rule is among the rules, with its points
    names = {rule.name: rule.score for rule in report.rules}
    assert names.get("DRUGS_ERECTILE", 0) > 0
    assert report.score >= sum(score for score in names.values()) - 0.1  # the rules add up to the score


def test_the_preview_route_carries_the_spam_score(stack: Any, welcome_sequence: dict[str, Any], spamd: str) -> None:
    # Given the welcome sequence and the apiSequences function configured with the running spamd
    assert stack.put_sequence(welcome_sequence).status == 200
    clear_caches()
    function = stack.cold_start("apiSequences", EMAILSEQ_SPAMD_ADDRESS=spamd)
    # When its welcome step is previewed
    body = _preview(stack, function)
    # Then the rendered email comes with a numeric score, the threshold and the top rules
    checked = body["deliverability"]
    assert body["subject"] == "Welcome, Sam"
    assert checked["available"] is True
    assert checked["checker"] == "spamassassin"
    assert isinstance(checked["score"], float)
    assert checked["threshold"] == 5.0
    assert checked["is_spam"] is False
    assert checked["rules"]
    assert set(checked["rules"][0]) == {"name", "score", "description"}


def test_an_unreachable_spamd_still_previews(stack: Any, welcome_sequence: dict[str, Any], tmp_path: Path) -> None:
    # Given spamd configured on a port where nothing listens
    assert stack.put_sequence(welcome_sequence).status == 200
    clear_caches()
    function = stack.cold_start("apiSequences", EMAILSEQ_SPAMD_ADDRESS="127.0.0.1:9")
    # When previewed / Then 200, the email, and the reason there is no score
    body = _preview(stack, function)
    assert body["subject"] == "Welcome, Sam"
    assert body["deliverability"]["available"] is False
    assert "127.0.0.1:9 is unreachable" in body["deliverability"]["reason"]


def test_by_default_the_deployment_has_no_spam_checker(stack: Any, welcome_sequence: dict[str, Any]) -> None:
    # Given serverless.yml's default stage params (spamdAddress "off")
    assert stack.put_sequence(welcome_sequence).status == 200
    # When previewed / Then the preview says the check is not configured
    body = _preview(stack, stack.warm("apiSequences"))
    assert body["deliverability"] == {
        "available": False,
        "reason": "no spam checker is configured (spamd address)",
        "checker": "spamassassin",
        "score": None,
        "threshold": None,
        "is_spam": None,
        "rules": [],
    }


def _preview(stack: Any, function: Any) -> dict[str, Any]:
    event = stack.http_event(
        "GET",
        "/v1/sequences/welcome/steps/welcome/preview",
        route_key="GET /v1/sequences/{sequence_id}/steps/{step_id}/preview",
        path_parameters={"sequence_id": "welcome", "step_id": "welcome"},
    )
    response = function.invoke(event)
    assert response["statusCode"] == 200, response
    body: dict[str, Any] = json.loads(response["body"])
    return body
