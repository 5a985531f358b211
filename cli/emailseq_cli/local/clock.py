"""Local time travel: a clock offset handed to every deployed function as configuration.

In AWS the functions read the real clock (offset 0). Locally the offset lives in `.emailseq/clock.json`, is
passed to `serverless deploy`, and is set on the running functions when it changes.
"""

import json
from datetime import UTC, datetime, timedelta

from emailseq_cli.errors import CliError
from emailseq_cli.local.aws import local_client
from emailseq_cli.local.paths import LocalPaths
from emailseq_cli.local.stack import StackInfo

OFFSET_VARIABLE = "EMAILSEQ_CLOCK_OFFSET_SECONDS"


def current_offset(paths: LocalPaths) -> int:
    if not paths.clock_file.is_file():
        return 0
    return int(json.loads(paths.clock_file.read_text())["offset_seconds"])


def local_now(paths: LocalPaths) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=current_offset(paths))


def move_to(paths: LocalPaths, info: StackInfo, target: datetime) -> int:
    """Set the stack's clock to `target` (never backwards); returns the new offset in seconds."""
    offset = int((target - datetime.now(UTC)).total_seconds())
    if offset < current_offset(paths):
        raise CliError(f"the local clock is at {local_now(paths).isoformat()}; it only moves forward")
    apply_offset(info, offset)
    paths.clock_file.write_text(json.dumps({"offset_seconds": offset, "set_at": datetime.now(UTC).isoformat()}))
    return offset


def apply_offset(info: StackInfo, offset: int) -> None:
    lambdas = local_client("lambda", info.endpoint)
    for name in info.functions:
        config = lambdas.get_function_configuration(FunctionName=name)
        variables = dict(config.get("Environment", {}).get("Variables", {}))
        if variables.get(OFFSET_VARIABLE) != str(offset):
            variables[OFFSET_VARIABLE] = str(offset)
            lambdas.update_function_configuration(FunctionName=name, Environment={"Variables": variables})
