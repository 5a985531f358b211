"""Cold-start import time of every function's handler module, as a ratio to `import boto3` on the same machine.

Run: .venv/bin/python bench/cold_start.py [--repeat 5]

Each measurement is a fresh interpreter (`python -c`) that times, in-process, the import of one module (CPU time
of that interpreter, time.process_time: on this shared machine wall time mostly measures the queue for a core): the
handler (functions/<name>/handler.py, imported as Lambda does, with the EMAILSEQ_* variables its settings model
needs), or the baseline `boto3`. A handler's import runs its cold start: settings validated, adapters built,
the secrets it reads at start fetched; those calls go to a private ministack (bench/private_emulator.py) holding
the secrets, so their round trips are local. Printed: the median of --repeat runs and the ratio to boto3's
median. Powertools Tracer() and Metrics() are measured the same way (the observability decision, docs).
"""

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import boto3
from private_emulator import ROOT, private_emulator

FUNCTIONS = sorted(path.parent.name for path in (ROOT / "functions").glob("*/handler.py"))
TIMED = "import importlib, time; t = time.process_time(); {code}; print(time.process_time() - t)"
SECRETS = {
    "bench/token": json.dumps({"current": "k1", "k1": "t" * 64}),
    "bench/signing": "s" * 64,
    "bench/audit": "a" * 64,
    "bench/pq-wrap": "p" * 64,
}


def function_env(endpoint: str, secrets: dict[str, str]) -> dict[str, str]:
    """Every variable a function's settings model requires (shared/emailseq/settings.py), with local values."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_SERVICE_NAME": "emailseq",
        "POWERTOOLS_METRICS_NAMESPACE": "emailseq",
        "EMAILSEQ_TABLE_NAME": "bench-data",
        "EMAILSEQ_DATA_KEY_ID": "alias/bench",
        "EMAILSEQ_PQ_WRAP_SECRET_ID": secrets["bench/pq-wrap"],
        "EMAILSEQ_AUDIT_SECRET_ID": secrets["bench/audit"],
        "EMAILSEQ_TOKEN_SECRET_ID": secrets["bench/token"],
        "EMAILSEQ_SIGNING_SECRET_ID": secrets["bench/signing"],
        "EMAILSEQ_BUS_NAME": "bench-bus",
        "EMAILSEQ_SEND_QUEUE_URL": f"{endpoint}/000000000000/bench-send",
        "EMAILSEQ_WORK_QUEUE_URL": f"{endpoint}/000000000000/bench-work",
        "EMAILSEQ_IDEMPOTENCY_TABLE_NAME": "bench-idempotency",
        "EMAILSEQ_FROM_ADDRESS": "news@example.com",
        "EMAILSEQ_PUBLIC_URL": "https://example.com",
        "EMAILSEQ_DATA_BUCKET": "bench-data",
    }


def timed_import(code: str, env: dict[str, str]) -> float:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("EMAILSEQ_", "AWS_", "POWERTOOLS_"))}
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", TIMED.format(code=code)],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{code} failed:\n{result.stderr[-2000:]}")
    return float(result.stdout.strip().splitlines()[-1])


def median_ms(code: str, env: dict[str, str], repeat: int) -> float:
    return statistics.median(timed_import(code, env) for _ in range(repeat)) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with private_emulator() as endpoint:
        local = {"region_name": "us-east-1", "aws_access_key_id": "test", "aws_secret_access_key": "test"}
        manager = boto3.client("secretsmanager", endpoint_url=endpoint, **local)
        arns = {name: manager.create_secret(Name=name, SecretString=value)["ARN"] for name, value in SECRETS.items()}
        env = function_env(endpoint, arns)
        load = os.getloadavg()[0]
        print(f"machine: {os.cpu_count()} cores, load average {load:.1f} (shared); median of {args.repeat} runs")
        baseline = median_ms("import boto3", env, args.repeat)
        print(f"{'import boto3 (baseline)':<34} {baseline:7.0f} ms   1.00x")
        for name in FUNCTIONS:
            ms = median_ms(f"importlib.import_module('functions.{name}.handler')", env, args.repeat)
            print(f"{'functions/' + name + '/handler.py':<34} {ms:7.0f} ms  {ms / baseline:5.2f}x")
        for label, code in (
            ("Powertools Logger()+Metrics()", "from aws_lambda_powertools import Logger, Metrics; Logger(); Metrics()"),
            ("Powertools Tracer()", "from aws_lambda_powertools import Tracer; Tracer()"),
        ):
            if "Tracer" in code and importlib.util.find_spec("aws_xray_sdk") is None:
                print(f"{label:<34}     n/a  (aws-xray-sdk is not a dependency: Tracer() cannot even be built)")
                continue
            ms = median_ms(code, env, args.repeat)
            print(f"{label:<34} {ms:7.0f} ms  {ms / baseline:5.2f}x")
    print(f"({len(FUNCTIONS)} functions; run from {Path.cwd().name})")


if __name__ == "__main__":
    main()
