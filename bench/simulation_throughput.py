"""How fast the engine runs: `emailseq simulate` of the demo sequence, 10,000 contacts x 30 days, timed.

Runs the production use cases (enroll, schedule, run_step with rendering and tracking) on in-memory stores, so
it measures the domain core and rendering per email, not AWS. Prints wall time and emails per second.
"""

import time
from pathlib import Path

from emailseq_cli.simulate.options import Options, load_sequence
from emailseq_cli.simulate.report import summary
from emailseq_cli.simulate.run import simulate

DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo-sequence.yaml"


def main() -> None:
    stored = load_sequence(DEMO)
    for contacts, days in ((1_000, 30), (10_000, 30)):
        started = time.perf_counter()
        data = summary(simulate(stored, Options(contacts=contacts, days=days)))
        seconds = time.perf_counter() - started
        sent = sum(step["sent"] for step in data["funnel"]["steps"])
        print(
            f"{contacts:>7,} contacts x {days} days: {sent:>7,} emails in {seconds:6.1f} s"
            f"  ({sent / seconds:,.0f} emails/s, one core)"
        )


if __name__ == "__main__":
    main()
