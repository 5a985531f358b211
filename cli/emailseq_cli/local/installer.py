"""Package installs for the local stack: the emulator's venv and the Lambda layers.

uv does them in seconds where pip takes minutes (its resolver and parallel downloads; its cache is shared with
the project's own venv); `make test` on a fresh machine builds every layer, so this is CI time. pip stays the
fallback for an install of the CLI without uv.
"""

import subprocess
import sys
from pathlib import Path

# Lambda's python3.12 runs on Amazon Linux 2023 (glibc 2.34): manylinux2014 wheels for the core layers, and
# manylinux_2_28 for the function layers whose packages (numpy, onnxruntime) ship only those.
CORE_PLATFORM = "x86_64-manylinux2014"
FUNCTION_PLATFORM = "x86_64-manylinux_2_28"
PYTHON_VERSION = "3.12"


def _uv() -> str | None:
    try:
        from uv import find_uv_bin
    except ImportError:
        return None
    return str(find_uv_bin())


def install_into_venv(python: Path, *requirements: str) -> None:
    uv = _uv()
    if uv is None:
        _run(str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *requirements)
    else:
        _run(uv, "pip", "install", "--quiet", "--python", str(python), *requirements)


def install_for_lambda(target: Path, platform: str, *args: str) -> None:
    """Binary wheels only, for the Lambda platform rather than this machine's, into a layer's directory."""
    uv = _uv()
    if uv is None:
        pip_platform = {CORE_PLATFORM: ["manylinux2014_x86_64"], FUNCTION_PLATFORM: ["manylinux_2_28_x86_64",
                        "manylinux2014_x86_64"]}[platform]  # fmt: skip
        platforms = [flag for name in pip_platform for flag in ("--platform", name)]
        _run(sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--target",
             str(target), *platforms, "--implementation", "cp", "--python-version", PYTHON_VERSION,
             "--only-binary=:all:", *args)  # fmt: skip
        return
    _run(uv, "pip", "install", "--quiet", "--python", sys.executable, "--target", str(target), "--python-platform",
         platform, "--python-version", PYTHON_VERSION, "--only-binary", ":all:", *args)  # fmt: skip


def build_wheels(requirements: Path, into: Path) -> None:
    """A wheel of each listed package (no dependencies): how an sdist-only package gets into a binary-only layer."""
    _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check", "--no-deps", "--wheel-dir",
         str(into), "-r", str(requirements))  # fmt: skip


def _run(*command: str) -> None:
    subprocess.run(command, check=True)
