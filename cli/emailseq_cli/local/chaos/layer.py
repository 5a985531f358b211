"""The chaos layer: built here, published into the emulator and attached to the deployed functions by the local
tooling only, after `serverless deploy --stage local`. serverless.yml never names it, so no template and no
artifact for AWS can carry it (tests/infrastructure checks); `detach` puts every function back as deployed.
"""

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from emailseq_cli.local.aws import CREDENTIALS, REGION, STACK_NAME
from emailseq_cli.local.stack import StackInfo

LAYER_NAME = f"{STACK_NAME}-chaos"
SITE = "python/lib/python3.12/site-packages"
PACKAGE = "emailseq_chaos_inject"
# A .pth line starting with "import" is executed when the emulator's worker adds the layer's site directory.
PTH_LINE = f"import {PACKAGE}.hook; {PACKAGE}.hook.install()\n"
_SOURCE = Path(__file__).parent / "inject"


# Settings a fault run shortens, as it shortens the queues' visibility timeouts: an injected provider refusal
# would otherwise keep its order back 30 s, then 60 s, at every stop of the clock. serverless.yml sets none of
# them (the code's defaults apply), so `detach` removes them.
RUN_OVERRIDES: dict[str, dict[str, str]] = {"sender": {"EMAILSEQ_PROVIDER_RETRY_BASE_SECONDS": "8"}}


@dataclass(frozen=True)
class ChaosSettings:
    mode: str  # "count": every AWS call is counted; "faults": counted, and faults are injected
    ledger: Path
    rate: float = 0.0
    no_idempotency: bool = False
    send_quota: int = 0  # sends/s the emulator's SES reports instead of its sandbox 14/s (0: leave it)

    def variables(self, function: str, handler: str) -> dict[str, str]:
        overrides = RUN_OVERRIDES.get(function, {}) if self.mode == "faults" else {}
        return overrides | {
            "EMAILSEQ_CHAOS": self.mode,
            "EMAILSEQ_CHAOS_FUNCTION": function,
            "EMAILSEQ_CHAOS_HANDLER_MODULE": handler.rsplit(".", 1)[0].replace("/", "."),
            "EMAILSEQ_CHAOS_LEDGER": str(self.ledger.resolve()),
            "EMAILSEQ_CHAOS_RATE": str(self.rate),
            "EMAILSEQ_CHAOS_NO_IDEMPOTENCY": "1" if self.no_idempotency else "0",
            "EMAILSEQ_CHAOS_SEND_QUOTA": str(self.send_quota),
        }


def layer_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for source in sorted(_SOURCE.glob("*.py")):
            archive.write(source, f"{SITE}/{PACKAGE}/{source.name}")
        archive.writestr(f"{SITE}/emailseq_chaos.pth", PTH_LINE)
    return buffer.getvalue()


def short_name(function: str) -> str:
    return function.removeprefix(f"{STACK_NAME}-")


def attach(info: StackInfo, settings: ChaosSettings, only: frozenset[str] | None = None) -> None:
    """Publish the layer and put it (last) on every function (or those named in `only`, short names) with the
    chaos variables; workers restart cold. Each configuration change waits for the emulator to stop the
    function's workers, so a run attaches to no more functions than it needs."""
    settings.ledger.mkdir(parents=True, exist_ok=True)
    lambdas = _lambda(info)
    arn = lambdas.publish_layer_version(LayerName=LAYER_NAME, Content={"ZipFile": layer_zip()})["LayerVersionArn"]
    for name in info.functions:
        if only is not None and short_name(name) not in only:
            continue
        config = lambdas.get_function_configuration(FunctionName=name)
        layers = [layer["Arn"] for layer in config.get("Layers", []) if LAYER_NAME not in layer["Arn"]]
        variables = {**_variables(config), **settings.variables(short_name(name), config["Handler"])}
        lambdas.update_function_configuration(
            FunctionName=name, Layers=[*layers, arn], Environment={"Variables": variables}
        )


def detach(info: StackInfo) -> None:
    """Every function as deployed: no chaos layer, no chaos variables."""
    lambdas = _lambda(info)
    for name in info.functions:
        config = lambdas.get_function_configuration(FunctionName=name)
        layers = [layer["Arn"] for layer in config.get("Layers", [])]
        kept = [arn for arn in layers if LAYER_NAME not in arn]
        overridden = RUN_OVERRIDES.get(short_name(name), {})
        variables = {
            k: v for k, v in _variables(config).items() if not k.startswith("EMAILSEQ_CHAOS") and k not in overridden
        }
        if kept != layers or variables != _variables(config):
            lambdas.update_function_configuration(FunctionName=name, Layers=kept, Environment={"Variables": variables})


def _variables(config: dict[str, Any]) -> dict[str, str]:
    return dict(config.get("Environment", {}).get("Variables", {}))


def _lambda(info: StackInfo) -> Any:
    """A configuration change waits for the emulator to stop the function's workers: minutes on a loaded machine."""
    keys = {name.lower(): value for name, value in CREDENTIALS.items() if name != "AWS_DEFAULT_REGION"}
    config = Config(read_timeout=600, retries={"mode": "standard", "max_attempts": 3})
    return boto3.client("lambda", endpoint_url=info.endpoint, region_name=REGION, config=config, **keys)
