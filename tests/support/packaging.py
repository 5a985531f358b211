"""The packaged templates the infrastructure suite reads, made while the e2e suite runs.

`serverless package` zips every function and layer (~300 MB) and cfn-lint reads each template: minutes, one
after another, on a 2-core machine. So the local stage's package is the one `emailseq local up` has just deployed
(`.serverless/`, copied before anything can deploy again), and the AWS (default) and SMTP stages are packaged and
linted in one background thread, at low priority, as soon as the stack is up, while the e2e suite (run first by
`make test`) mostly waits on the emulator. The infrastructure suite then finds them ready.
"""

import os
import shutil
import subprocess
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import yaml

from tests.support.local_stack import ROOT, LocalStack

SERVERLESS = ROOT / "node_modules" / ".bin" / "serverless"
TEMPLATE = "cloudformation-template-update-stack.json"


class _IgnoreTags(yaml.SafeLoader):
    """serverless.yml's CloudFormation short forms (!If, !Sub) read as plain values: only `params` is wanted."""


_IgnoreTags.add_multi_constructor("!", lambda loader, suffix, node: None)


def default_stage_options() -> tuple[str, ...]:
    """Every local-stage param set back to its default value: the template as the AWS stage gets it (the local
    stage name only lets serverless ask the emulator for the layer hashes)."""
    params = yaml.load((ROOT / "serverless.yml").read_text(), Loader=_IgnoreTags)["params"]  # noqa: S506 - safe
    return tuple(f"--param={name}={params['default'][name]}" for name in params["local"])


@dataclass(frozen=True)
class Packaged:
    directory: Path
    lint: subprocess.CompletedProcess[str]  # cfn-lint of the template (W3005, Serverless's own, ignored)

    @property
    def template_file(self) -> Path:
        return self.directory / TEMPLATE


class Packages:
    """Started once per session by the `stack` fixture when the infrastructure suite is collected."""

    def __init__(self, stack: LocalStack, workdir: Path) -> None:
        self._port = stack.endpoint.rsplit(":", 1)[1]
        local = workdir / "local"
        shutil.copytree(ROOT / ".serverless", local)  # what this session's `local up` deployed
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="packaging")
        self._jobs: dict[str, Future[Packaged]] = {"local": self._pool.submit(self._linted, local)}
        stages = {"default": default_stage_options(), "smtp": ("--param=mailProvider=smtp",)}
        for name, options in stages.items():
            self._jobs[name] = self._pool.submit(self._package, workdir / name, options)
        self._pool.shutdown(wait=False)

    def get(self, name: str) -> Packaged:
        return self._jobs[name].result(timeout=900)

    def _package(self, out: Path, options: tuple[str, ...]) -> Packaged:
        env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
        env |= {"SLS_TELEMETRY_DISABLED": "1", "EMAILSEQ_LOCAL_PORT": self._port}
        command = [str(SERVERLESS), "package", "--stage", "local", "--package", str(out), *options]
        subprocess.run(_nice(command), cwd=ROOT, env=env, check=True, capture_output=True, timeout=600)
        return self._linted(out)

    @staticmethod
    def _linted(directory: Path) -> Packaged:
        command = [str(ROOT / ".venv" / "bin" / "cfn-lint"), "-i", "W3005", "--", str(directory / TEMPLATE)]
        return Packaged(directory, subprocess.run(_nice(command), capture_output=True, text=True, timeout=600))


def _nice(command: list[str]) -> list[str]:
    """Below the emulator's priority: the e2e tests running beside it keep their pace."""
    return ["nice", "-n", "10", *command]
