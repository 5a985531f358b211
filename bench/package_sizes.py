"""Zipped and unzipped size of every function and layer package, against the Lambda limits.

Run: .venv/bin/python bench/package_sizes.py

It builds the layers (as `emailseq local up` does), runs `serverless package` (the command that deploys to
AWS; serverless v3 asks CloudFormation for the last layer hashes while packaging, so it asks a private ministack,
bench/private_emulator.py) and reads the zips and the packaged template. Limits (AWS Lambda quotas): a zip of at
most 50 MB for a direct upload, at most 250 MB unzipped for a function with all its layers, at most 5 layers.
"""

import json
import os
import subprocess
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from emailseq_cli.local.deploy import build_layers
from private_emulator import ROOT, private_emulator

MB = 1024 * 1024
ZIPPED_LIMIT, UNZIPPED_LIMIT, LAYERS_LIMIT = 50 * MB, 250 * MB, 5


def package(into: Path, endpoint: str) -> dict[str, Any]:
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "SLS_TELEMETRY_DISABLED": "1",
        "EMAILSEQ_LOCAL_PORT": endpoint.rsplit(":", 1)[1],
    }
    command = [str(ROOT / "node_modules" / ".bin" / "serverless"), "package", "--stage", "local", "--package"]
    subprocess.run([*command, str(into)], cwd=ROOT, env=env, check=True, capture_output=True, timeout=600)  # noqa: S603
    template: dict[str, Any] = json.loads((into / "cloudformation-template-update-stack.json").read_text())
    return template


def sizes(archive: Path) -> tuple[int, int]:
    with zipfile.ZipFile(archive) as opened:
        return archive.stat().st_size, sum(info.file_size for info in opened.infolist())


def zip_name(resource: dict[str, Any]) -> str:
    code = resource["Properties"].get("Code") or resource["Properties"]["Content"]
    return str(code["S3Key"]).rsplit("/", 1)[-1]


def verdict(ok: bool) -> str:
    return "ok" if ok else "OVER"


def main() -> None:
    build_layers(ROOT)
    with tempfile.TemporaryDirectory(prefix="bench-package-") as out, private_emulator() as endpoint:
        template = package(Path(out), endpoint)
        resources = template["Resources"]
        layers = {
            name: sizes(Path(out) / zip_name(r))
            for name, r in resources.items()
            if r["Type"] == "AWS::Lambda::LayerVersion"
        }
        print(
            f"limits: zipped {ZIPPED_LIMIT // MB} MB, function+layers unzipped {UNZIPPED_LIMIT // MB} MB, "
            f"{LAYERS_LIMIT} layers"
        )
        for name, (zipped, unzipped) in sorted(layers.items()):
            ok = verdict(zipped <= ZIPPED_LIMIT)
            print(f"layer    {name:<28} zipped {zipped / MB:7.2f} MB  unzipped {unzipped / MB:7.2f} MB  {ok}")
        functions = {name: r for name, r in resources.items() if r["Type"] == "AWS::Lambda::Function"}
        worst = 0
        for name, resource in sorted(functions.items()):
            zipped, unzipped = sizes(Path(out) / zip_name(resource))
            attached = [ref["Ref"] for ref in resource["Properties"].get("Layers", []) if "Ref" in ref]
            total = unzipped + sum(layers[layer][1] for layer in attached)
            worst = max(worst, total)
            ok = zipped <= ZIPPED_LIMIT and total <= UNZIPPED_LIMIT and len(attached) <= LAYERS_LIMIT
            print(
                f"function {name:<28} zipped {zipped / 1024:7.1f} KB  unzipped {unzipped / 1024:7.1f} KB  "
                f"with {len(attached)} layers {total / MB:7.2f} MB  {verdict(ok)}"
            )
        share = worst / UNZIPPED_LIMIT
        print(f"largest function + layers unzipped: {worst / MB:.1f} MB = {share:.0%} of the 250 MB limit")


if __name__ == "__main__":
    main()
