"""The engagement / churn score: features, the pure-Python fit (checked against scikit-learn), AUC, branches."""

import random
from datetime import timedelta

import pytest
from builders import branch, email, sequence, started, view
from emailseq.domain.ai.fit import fit_logistic
from emailseq.domain.ai.score import FEATURES, EngagementProfile, ScoreModel, auc, features
from emailseq.domain.engine import ContactView, SendEmail, advance
from fakes import T0


def _data(count: int, seed: int = 3) -> tuple[list[list[float]], list[int]]:
    rng = random.Random(seed)
    rows, labels = [], []
    for _ in range(count):
        row = [rng.gauss(0, 1) for _ in FEATURES]
        z = 1.5 * row[0] - 2.0 * row[1] + 0.5 * row[3]
        rows.append(row)
        labels.append(int(rng.random() < 1 / (1 + 2.718281828**-z)))
    return rows, labels


def test_features_come_from_the_engagement_profile() -> None:
    profile = EngagementProfile(sends=10, opens=4, clicks=1, last_opened_at=T0 - timedelta(days=3))
    values = dict(zip(FEATURES, features(profile, T0), strict=True))
    assert values["open_rate"] == 0.4
    assert values["click_rate"] == 0.1
    assert values["days_since_open"] == 3.0
    assert values["days_since_click"] == 365.0
    assert values["never_opened"] == 0.0


def test_auc_counts_ranked_pairs_and_ties_as_half() -> None:
    assert auc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert auc([0, 1], [0.5, 0.5]) == 0.5
    assert auc([1, 0, 1, 0], [0.9, 0.8, 0.3, 0.1]) == 0.75
    with pytest.raises(ValueError, match="both classes"):
        auc([1, 1], [0.2, 0.3])


def test_the_pure_python_fit_matches_scikit_learn() -> None:
    # Given data with known signs, fitted by our Newton solver and by scikit-learn (same L2 penalty, C=1)
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    rows, labels = _data(800)
    ours = fit_logistic(rows, labels)
    scaled = StandardScaler().fit_transform(rows)
    theirs = LogisticRegression(C=1.0, tol=1e-10, max_iter=1000).fit(scaled, labels)
    # Then the coefficients agree
    assert list(ours.weights) == pytest.approx(list(theirs.coef_[0]), abs=1e-3)
    assert ours.intercept == pytest.approx(float(theirs.intercept_[0]), abs=1e-3)


def test_a_model_round_trips_through_json_and_refuses_other_features() -> None:
    model = fit_logistic(*_data(200))
    assert ScoreModel.from_json(model.to_json()) == model
    with pytest.raises(ValueError, match="other features"):
        ScoreModel.from_json({**model.to_json(), "features": ["other"]})


def test_a_branch_on_the_score_follows_the_contacts_score() -> None:
    doc = sequence(branch("engaged", [email("vip")], [email("winback")], score={"above": 0.7}))
    high, low, unknown = ContactView("c1", score=0.9), ContactView("c1", score=0.4), view()

    def first_email(contact: ContactView) -> str:
        transition = advance(started(doc), doc, contact, T0)
        assert isinstance(transition.effect, SendEmail)
        return transition.effect.step.id

    assert (first_email(high), first_email(low), first_email(unknown)) == ("vip", "winback", "winback")
