"""Package serverless.yml and deploy it into the emulator with the same command that deploys to AWS."""

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from emailseq_cli.errors import CliError
from emailseq_cli.local.aws import CREDENTIALS, STACK_NAME, local_client
from emailseq_cli.local.installer import CORE_PLATFORM, FUNCTION_PLATFORM, build_wheels, install_for_lambda

# Layers only some functions carry (serverless.yml names them per function). Each requirements.txt pins the whole
# closure beyond the deps layer and is installed --no-deps; onnxruntime and numpy ship manylinux_2_28 wheels only
# (installer.FUNCTION_PLATFORM). A layer may also carry packages of shared/.
FUNCTION_LAYERS: dict[str, tuple[str, ...]] = {"ai": (), "replies": ("emailseq_models",)}
# What inference never imports, left out so deps + app + replies stays under Lambda's 250 MB (unzipped) limit:
# numpy's test suites, f2py and C headers; onnxruntime's model converters and quantisation tools.
PRUNED: dict[str, tuple[str, ...]] = {
    "replies": ("numpy/**/tests", "numpy/f2py", "numpy/_core/include", "onnxruntime/transformers",
                "onnxruntime/quantization", "onnxruntime/tools"),
}  # fmt: skip
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024  # function code + all its layers


def layer_bytes(layer: Path) -> int:
    return sum(f.stat().st_size for f in (layer / "python").rglob("*") if f.is_file())


def check_layer_sizes(root: Path) -> dict[str, int]:
    """Bytes of deps + app + each function layer; refuses a combination Lambda would refuse."""
    core = layer_bytes(root / "layers" / "deps") + layer_bytes(root / "layers" / "app")
    totals = {name: core + layer_bytes(root / "layers" / name) for name in FUNCTION_LAYERS}
    for name, total in totals.items():
        if total > LAMBDA_UNZIPPED_LIMIT:
            raise CliError(f"layers deps + app + {name} are {total / 2**20:.0f} MB unzipped; Lambda allows 250 MB")
    return totals


def build_layers(root: Path) -> None:
    _build_deps_layer(root / "layers" / "deps")
    # The quantum worker's numpy (~55 MB unzipped): built once, then reused while its requirements are unchanged.
    _build_deps_layer(root / "layers" / "quantum")
    for name, local_packages in FUNCTION_LAYERS.items():
        if (root / "layers" / name / "requirements.txt").is_file():
            _build_function_layer(root, name, local_packages)
    _build_app_layer(root)
    check_layer_sizes(root)


def _build_function_layer(root: Path, name: str, local_packages: tuple[str, ...]) -> None:
    layer = root / "layers" / name
    sources = [layer / "requirements.txt", *sorted(f for p in local_packages for f in (root / "shared" / p).rglob("*"))]
    settings = " ".join([FUNCTION_PLATFORM, *PRUNED.get(name, ())]).encode()
    inputs = b"".join(f.read_bytes() for f in sources if f.is_file()) + settings
    digest = hashlib.sha256(inputs).hexdigest()[:16]
    if (layer / f".built-{digest}").is_file():
        return
    shutil.rmtree(layer / "python", ignore_errors=True)
    for stale in layer.glob(".built-*"):
        stale.unlink()
    target = layer / "python"
    install_for_lambda(target, FUNCTION_PLATFORM, "--no-deps", "-r", str(layer / "requirements.txt"))
    for package in local_packages:
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        shutil.copytree(root / "shared" / package, target / package, ignore=ignore)
    for pattern in PRUNED.get(name, ()):
        for path in sorted(target.glob(pattern), reverse=True):
            shutil.rmtree(path, ignore_errors=True)
    (layer / f".built-{digest}").write_text(digest)


def _build_deps_layer(layer: Path) -> None:
    requirements, sdists = layer / "requirements.txt", layer / "sdists.txt"
    inputs = requirements.read_bytes() + sdists.read_bytes() + CORE_PLATFORM.encode()
    digest = hashlib.sha256(inputs).hexdigest()[:16]
    marker = layer / f".built-{digest}"
    if marker.is_file():
        return
    shutil.rmtree(layer / "python", ignore_errors=True)
    for stale in layer.glob(".built-*"):
        stale.unlink()
    with tempfile.TemporaryDirectory(prefix="emailseq-wheels-") as wheels:
        _wheels_of_sdists(sdists, Path(wheels))
        install_for_lambda(layer / "python", CORE_PLATFORM, "--find-links", wheels, "-r", str(requirements))
    marker.write_text(digest)


def _wheels_of_sdists(sdists: Path, into: Path) -> None:
    """A wheel for each pure-Python sdist-only package, so the binary-only install below can take it."""
    build_wheels(sdists, into)
    platform_bound = [wheel.name for wheel in into.glob("*.whl") if not wheel.name.endswith("-py3-none-any.whl")]
    if platform_bound:
        raise CliError(f"layers/deps/sdists.txt may list only pure-Python packages; built {platform_bound}")


def _build_app_layer(root: Path) -> None:
    target = root / "layers" / "app" / "python" / "emailseq"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(root / "shared" / "emailseq", target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


def serverless(root: Path, port: int, *args: str) -> None:
    binary = root / "node_modules" / ".bin" / "serverless"
    if not binary.is_file():
        raise CliError("Serverless Framework is not installed; run `make setup` (npm ci) first")
    env = {
        **os.environ,
        **CREDENTIALS,
        "EMAILSEQ_LOCAL_PORT": str(port),
        "SLS_TELEMETRY_DISABLED": "1",
        "SLS_NOTIFICATIONS_MODE": "off",
        "SERVERLESS_PLATFORM_VENDOR": "aws",
    }
    result = subprocess.run([str(binary), *args], cwd=root, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-25:])
        raise CliError(f"serverless {' '.join(args)} failed:\n{tail}")


def deploy(root: Path, port: int) -> None:
    build_layers(root)
    serverless(root, port, "deploy", "--stage", "local")


def stack_outputs(endpoint_url: str) -> dict[str, Any]:
    stacks = local_client("cloudformation", endpoint_url).describe_stacks(StackName=STACK_NAME)["Stacks"]
    return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}


def function_names(endpoint_url: str) -> list[str]:
    client = local_client("lambda", endpoint_url)
    names = [f["FunctionName"] for page in client.get_paginator("list_functions").paginate() for f in page["Functions"]]
    return sorted(name for name in names if name.startswith(STACK_NAME + "-"))
