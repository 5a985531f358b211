"""Subject-line bandit: Thompson sampling with an exploration floor, deterministic per send; the document side."""

import random

import pytest
from builders import document_data, email
from emailseq.domain.ai.bandit import ArmStats, choose_arm, probability_best
from emailseq.domain.sequence import SequenceDocument
from pydantic import ValidationError


def test_the_same_send_with_the_same_counts_gets_the_same_arm() -> None:
    arms = [ArmStats(10, 3), ArmStats(10, 4)]
    assert {choose_arm(arms, "seq:c1:1/welcome", 0.1) for _ in range(20)} == {choose_arm(arms, "seq:c1:1/welcome", 0.1)}


def test_traffic_moves_to_the_better_arm_but_never_below_the_exploration_floor() -> None:
    # Given arm 1 clearly better after 1,000 sends each
    arms = [ArmStats(1000, 100), ArmStats(1000, 200)]
    # When 4,000 sends choose with a 10 % exploration floor
    picks = [choose_arm(arms, f"send-{i}", 0.1) for i in range(4000)]
    # Then nearly all go to arm 1, and the worse arm still gets about half the exploration share (5 %)
    share_worse = picks.count(0) / len(picks)
    assert 0.03 < share_worse < 0.08


def test_probability_of_being_best_follows_the_evidence() -> None:
    even = probability_best([ArmStats(0, 0), ArmStats(0, 0)])
    clear = probability_best([ArmStats(500, 50), ArmStats(500, 100)])
    assert even[0] == pytest.approx(0.5, abs=0.05)
    assert clear[1] > 0.99
    assert sum(clear) == pytest.approx(1.0)


def test_thompson_sampling_finds_the_best_of_three_arms_from_rewards() -> None:
    # Given three subject lines with true open rates 10 %, 15 %, 25 % (simulated recipients)
    truth, counts, rng = (0.10, 0.15, 0.25), [[0, 0] for _ in range(3)], random.Random(7)
    for i in range(3000):
        arm = choose_arm([ArmStats(n, s) for n, s in counts], f"s{i}", 0.05)
        counts[arm][0] += 1
        counts[arm][1] += rng.random() < truth[arm]
    # Then most traffic went to the 25 % arm
    assert counts[2][0] > 0.7 * 3000


def test_a_step_may_list_subjects_and_subject_is_then_the_first() -> None:
    step = {"id": "welcome", "email": {"subjects": ["A", "B"], "html": "<p>x</p>", "bandit": {"reward": "clicks"}}}
    doc = SequenceDocument.model_validate(document_data(steps=[step]))
    (content,) = [s.email for s in doc.email_steps()]
    assert (content.subject, content.arms, content.bandit and content.bandit.reward) == ("A", ["A", "B"], "clicks")
    # And the canonical form validates to the same document (stable content hash across applies)
    assert SequenceDocument.model_validate(doc.canonical()).content_hash() == doc.content_hash()


@pytest.mark.parametrize(
    "content",
    [
        {"subjects": ["A"], "html": "<p>x</p>"},  # a bandit needs two arms
        {"subjects": ["A", "A"], "html": "<p>x</p>"},
        {"subject": "A", "html": "<p>x</p>", "bandit": {"reward": "opens"}},  # bandit without subjects
        {"subjects": ["A", "B"], "html": "<p>x</p>", "bandit": {"min_explore": 2}},
    ],
)
def test_bad_bandit_steps_are_refused(content: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        SequenceDocument.model_validate(document_data(steps=[{"id": "welcome", "email": content}]))


def test_a_plain_step_is_unchanged_by_the_bandit_fields() -> None:
    doc = SequenceDocument.model_validate(document_data(steps=[email("welcome")]))
    assert "subjects" not in doc.canonical()["steps"][0]["email"]
