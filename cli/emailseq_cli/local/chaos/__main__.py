"""`python -m emailseq_cli.local.chaos` (what `make chaos` runs): prints one line
`chaos: enrollments=N expected=E delivered=D duplicates=X lost=Y dlq=Z`; exits 1 when anything was duplicated or
lost, so the run can gate a release."""

import argparse
import signal
import sys

from emailseq_cli.local.chaos.run import Options, run


def main() -> None:
    # A `timeout` or Ctrl-C still runs the run's clean-up (functions back as deployed, queues as they were).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(prog="make chaos", description="Fault injection against the local stack.")
    parser.add_argument("--enrollments", type=int, default=Options.enrollments)
    parser.add_argument("--failure-rate", type=float, default=Options.failure_rate, help="share of invocations")
    parser.add_argument("--days", type=int, default=Options.days, help="how far the local clock races")
    parser.add_argument(
        "--no-idempotency",
        action="store_true",
        help="strip the send-once guard's condition (the negative control: duplicates must show)",
    )
    parser.add_argument("--via-api", action="store_true", help="post the events to the API instead of the bus")
    args = parser.parse_args()
    options = Options(args.enrollments, args.failure_rate, args.no_idempotency, args.days, via_api=args.via_api)
    result = run(options)
    print(result.line(), flush=True)
    raise SystemExit(0 if result.duplicates == result.lost == 0 else 1)


if __name__ == "__main__":
    main()
