"""Drafting with a language model: what it writes becomes a document `apply` accepts, or is refused (502)."""

from typing import Any

import pytest
from builders import document
from emailseq.domain.drafts import DraftBrief, DraftedSequence, RewrittenEmail, SubjectVariants, slug
from emailseq.domain.errors import InvalidInput, NotFound, UpstreamFailed
from emailseq.logic.drafts import draft_sequence, rewrite_step, subject_variants, validated
from fakes import FakeStructuredWriter


def _drafted(html: str = "<p>Hi {{ contact.first_name | default('there') }}</p>") -> dict[str, Any]:
    return {
        "id": "Bakery CRM: onboarding",
        "name": "Bakery onboarding",
        "trigger_event": "user.signed_up",
        "goal_event": None,
        "emails": [
            {"id": "Welcome!", "wait_days_before": 0, "subject": "Welcome", "html": html},
            {"id": "Welcome!", "wait_days_before": 3, "subject": "Day 3", "html": "<p>Tips</p>"},
        ],
    }


def test_a_draft_becomes_a_valid_document_with_waits_and_clean_ids() -> None:
    # Given a model answering a two-email sequence with a messy id repeated
    writer = FakeStructuredWriter(_drafted())
    # When a sequence is drafted from a brief
    drafted = draft_sequence(writer, DraftBrief(brief="A CRM for bakeries", emails=2, tone="warm"))
    # Then it is a document with slug ids, unique step ids, a 3-day wait and no goal, asked in the right shape
    data = drafted.canonical()
    assert data["id"] == "bakery-crm-onboarding"
    assert [s.get("id") or s.get("wait") for s in data["steps"]] == ["welcome", "3d", "welcome-2"]
    assert "goal" not in data
    assert writer.asked[0][2] is DraftedSequence
    assert "exactly 2 emails in a warm tone" in writer.asked[0][1]


def test_the_briefs_ids_win_over_the_models() -> None:
    writer = FakeStructuredWriter(_drafted())
    brief = DraftBrief(brief="b", sequence_id="mine", trigger_event="trial.started", goal_event="paid")
    data = draft_sequence(writer, brief).canonical()
    assert (data["id"], data["trigger"]["event"], data["goal"]["event"]) == ("mine", "trial.started", "paid")


def test_a_template_the_sandbox_refuses_is_sent_back_once_with_the_reason() -> None:
    # Given a model whose first answer reaches for Python internals, the second is clean
    writer = FakeStructuredWriter(_drafted("<p>{{ contact.__class__.__mro__ }}</p>"), _drafted())
    # When drafted / Then the second answer is the document, and the retry prompt carried the sandbox's reason
    drafted = draft_sequence(writer, DraftBrief(brief="b"))
    assert drafted.email_steps()[0].email.html.startswith("<p>Hi")
    assert "rejected" in writer.asked[1][1]
    assert "steps[0].email.html" in writer.asked[1][1]


def test_two_bad_answers_are_the_models_failure_not_a_document() -> None:
    bad = _drafted("<p>{% for %}</p>")
    with pytest.raises(UpstreamFailed, match="did not validate twice"):
        draft_sequence(FakeStructuredWriter(bad, bad), DraftBrief(brief="b"))


def test_subject_variants_drop_what_does_not_compile_and_repeats() -> None:
    # Given the stored onboarding sequence and a model answering one broken, one repeated, two fine subjects
    answer = SubjectVariants(subjects=["{{ broken", "New: tips", "New: tips", "Hello {{ contact.first_name }}"])
    # When variants are asked for / Then the usable distinct ones come back
    found = subject_variants(FakeStructuredWriter(answer), document(), "welcome", 3)
    assert found == ["New: tips", "Hello {{ contact.first_name }}"]


def test_subject_variants_for_an_unknown_step_are_not_found() -> None:
    with pytest.raises(NotFound):
        subject_variants(FakeStructuredWriter(), document(), "nope", 3)


def test_a_rewrite_replaces_one_step_and_keeps_the_rest() -> None:
    original = document()
    writer = FakeStructuredWriter(RewrittenEmail(subject="Hey", html="<p>Short and warm.</p>"))
    rewritten = rewrite_step(writer, original, "welcome", "warmer", "grade 6")
    welcome = next(s for s in rewritten.email_steps() if s.id == "welcome")
    assert (welcome.email.subject, welcome.email.html) == ("Hey", "<p>Short and warm.</p>")
    others = [s for s in rewritten.email_steps() if s.id != "welcome"]
    assert others == [s for s in original.email_steps() if s.id != "welcome"]
    assert "tone: warmer, reading level: grade 6" in writer.asked[0][1]


def test_a_rewrite_needs_a_tone_or_a_reading_level() -> None:
    with pytest.raises(InvalidInput) as error:
        rewrite_step(FakeStructuredWriter(), document(), "welcome", None, None)
    assert error.value.field == "tone"


def test_validated_is_the_same_check_as_apply() -> None:
    data = document().canonical()
    data["steps"][0]["email"]["subject"] = "{{ contact.__class__ }}"
    with pytest.raises(InvalidInput, match="template error"):
        validated(data)


@pytest.mark.parametrize(("text", "expected"), [("Hello World!", "hello-world"), ("***", "fallback")])
def test_slug(text: str, expected: str) -> None:
    assert slug(text, "fallback") == expected
