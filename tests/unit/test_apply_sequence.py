"""apply_sequence: a new version when the content changed, a no-op when it did not, templates checked first."""

from datetime import timedelta

import pytest
from builders import document, email, wait
from emailseq.domain.errors import InvalidInput
from emailseq.logic.sequences import apply_sequence
from fakes import T0, TENANT, World
from pydantic import ValidationError


def test_the_first_apply_stores_version_1(world: World) -> None:
    # Given no onboarding sequence yet / When the document is applied
    applied = apply_sequence(world.sequences, world.clock, TENANT, document())
    # Then version 1 is stored, stamped now, with the document's hash, and reported as a change
    assert applied.changed is True
    assert (applied.stored.version, applied.stored.created_at) == (1, T0)
    assert applied.stored.content_hash == document().content_hash()
    current = world.sequences.current(TENANT, "onboarding")
    assert current is not None
    assert (current.version, current.document) == (1, document())


def test_applying_an_identical_document_again_changes_nothing(world: World) -> None:
    # Given version 1 applied
    apply_sequence(world.sequences, world.clock, TENANT, document())
    world.clock.advance(hours=1)
    # When the same document is applied again
    applied = apply_sequence(world.sequences, world.clock, TENANT, document())
    # Then it answers the stored version 1, unchanged, and writes nothing
    assert applied.changed is False
    assert (applied.stored.version, applied.stored.created_at) == (1, T0)
    assert len(world.sequences.saves) == 1


def test_an_equivalent_document_written_differently_is_unchanged(world: World) -> None:
    # Given version 1 with a `2d` wait / When applied again with the wait written `48h`
    apply_sequence(world.sequences, world.clock, TENANT, document())
    steps = document().canonical()["steps"]
    steps[1] = wait("48h")
    applied = apply_sequence(world.sequences, world.clock, TENANT, document(steps=steps))
    # Then it is the same content: no new version
    assert (applied.changed, applied.stored.version) == (False, 1)


def test_a_changed_document_becomes_version_2_and_version_1_stays_readable(world: World) -> None:
    # Given version 1
    apply_sequence(world.sequences, world.clock, TENANT, document())
    world.clock.advance(days=1)
    # When a document with another wait is applied
    changed = document(steps=[email("welcome"), wait("3d"), email("tips")])
    applied = apply_sequence(world.sequences, world.clock, TENANT, changed)
    # Then version 2 is current, stamped at the new time, and version 1 is still there for older enrollments
    assert (applied.changed, applied.stored.version, applied.stored.created_at) == (True, 2, T0 + timedelta(days=1))
    assert world.sequences.current(TENANT, "onboarding").document == changed  # type: ignore[union-attr]
    assert world.sequences.version(TENANT, "onboarding", 1).document == document()  # type: ignore[union-attr]
    # And applying the original content again is a change too (version 3), not a revert to 1
    assert apply_sequence(world.sequences, world.clock, TENANT, document()).stored.version == 3


def test_versions_are_counted_per_tenant(world: World) -> None:
    apply_sequence(world.sequences, world.clock, "acme", document())
    applied = apply_sequence(world.sequences, world.clock, "globex", document())
    assert (applied.changed, applied.stored.version) == (True, 1)


@pytest.mark.parametrize(
    ("part", "template"),
    [
        ("subject", "Hi {{ contact.first_name"),
        ("html", "<p>{{ ''.__class__.__mro__ }}</p>"),
        ("text", "{% for x in %}{% endfor %}"),
    ],
    ids=["subject-does-not-compile", "html-sandbox-escape", "text-does-not-compile"],
)
def test_a_bad_template_is_rejected_naming_the_field_and_step_and_nothing_is_stored(
    world: World, part: str, template: str
) -> None:
    # Given a document whose step 2 (`tips`) has a bad template in one part
    parts = {"subject": "Tips", "html": "<p>Tips</p>", "text": "Tips", part: template}
    doc = document(steps=[email("welcome"), wait("2d"), email("tips", parts["subject"], parts["html"], parts["text"])])
    # When applied / Then it is InvalidInput on `steps[2].email.<part>`, naming the step
    with pytest.raises(InvalidInput) as caught:
        apply_sequence(world.sequences, world.clock, TENANT, doc)
    assert caught.value.field == f"steps[2].email.{part}"
    assert "step 'tips'" in caught.value.reason
    # And no version was written
    assert world.sequences.current(TENANT, "onboarding") is None
    assert world.sequences.saves == []


def test_a_bad_template_in_a_new_version_leaves_the_current_version_in_place(world: World) -> None:
    apply_sequence(world.sequences, world.clock, TENANT, document())
    with pytest.raises(InvalidInput):
        apply_sequence(world.sequences, world.clock, TENANT, document(steps=[email("welcome", subject="{{ 1/0 }}")]))
    assert world.sequences.current(TENANT, "onboarding").version == 1  # type: ignore[union-attr]


def test_a_document_with_a_sub_second_wait_never_reaches_the_repository(world: World) -> None:
    # Given a document whose wait is half a second / When validated / Then it is refused before any apply
    with pytest.raises(ValidationError):
        document(steps=[email("a"), wait(0.5), email("b")])
    assert world.sequences.current(TENANT, "onboarding") is None
