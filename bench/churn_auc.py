"""Engagement / churn score: AUC on a held-out split of simulated event histories with known churn labels.

Data: emailseq_cli.simulate.preferences.churn_cases (seed 5): 6,000 contacts, sixteen weekly emails before the
cutoff (opens, clicks, last moments: the engagement profile the product keeps), each labelled by the simulator
with whether it churns. Split as the trainer splits (a hash of the contact id: ~80 % train, ~20 % held out).
Fitted by the trainer's pure-Python Newton solver and by scikit-learn's LogisticRegression on the same rows; a
one-feature rule (days since the last open) is the baseline.
"""

import random
import time

from emailseq.domain.ai.fit import fit_logistic
from emailseq.domain.ai.score import FEATURES, auc, features
from emailseq.logic.train import held_out
from emailseq_cli.simulate.preferences import CUTOFF, churn_cases


def main() -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    cases = churn_cases(6000, random.Random(5), CUTOFF)
    rows = {f"sim-{i}": (features(c.profile, CUTOFF), c.churned) for i, c in enumerate(cases)}
    train = [v for k, v in rows.items() if not held_out(k)]
    test = [v for k, v in rows.items() if held_out(k)]
    x_train, y_train = [r for r, _ in train], [y for _, y in train]
    x_test, y_test = [r for r, _ in test], [y for _, y in test]
    print("churn score: simulated histories (emailseq_cli.simulate.preferences.churn_cases, seed 5)")
    print(
        f"  {len(cases):,} contacts, churn rate {sum(c.churned for c in cases) / len(cases):.1%};"
        f" train {len(train):,}, held out {len(test):,}; features: {', '.join(FEATURES)}"
    )
    started = time.perf_counter()
    ours = fit_logistic(x_train, y_train)
    _line(
        "logistic regression, pure-Python Newton (the trainer)", auc(y_test, [ours.churn(r) for r in x_test]), started
    )
    started = time.perf_counter()
    scaler = StandardScaler().fit(x_train)
    model = LogisticRegression(C=1.0, max_iter=1000).fit(scaler.transform(x_train), y_train)
    scores = model.predict_proba(scaler.transform(x_test))[:, 1]
    _line("logistic regression, scikit-learn", auc(y_test, [float(s) for s in scores]), started)
    days_since_open = FEATURES.index("days_since_open")
    _line("baseline: days since the last open", auc(y_test, [r[days_since_open] for r in x_test]), None)


def _line(name: str, measured: float, started: float | None) -> None:
    fitted = f"  ({time.perf_counter() - started:.2f} s to fit)" if started is not None else ""
    print(f"  {name:<54} held-out AUC {measured:.3f}{fitted}")


if __name__ == "__main__":
    main()
