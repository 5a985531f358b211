"""Local time travel: a clock offset the deployed functions read from SSM Parameter Store.

serverless.yml names the parameter only on the local stage (in AWS the functions read the real clock). The
offset is also kept in `.emailseq/clock.json`, so it survives a restart of the emulator.
"""

import json
import time
from datetime import UTC, datetime, timedelta

from emailseq_cli.errors import CliError
from emailseq_cli.local.aws import local_client
from emailseq_cli.local.paths import LocalPaths
from emailseq_cli.local.stack import StackInfo

PARAMETER = "/emailseq/local/clock-offset-seconds"
# The functions re-read the offset at most once a second (emailseq.dal.clock.REFRESH_SECONDS).
_FUNCTIONS_NOTICE = 1.2


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
    time.sleep(_FUNCTIONS_NOTICE)
    return offset


def apply_offset(info: StackInfo, offset: int) -> None:
    local_client("ssm", info.endpoint).put_parameter(Name=PARAMETER, Value=str(offset), Type="String", Overwrite=True)


def configure(info: StackInfo, updates: dict[str, str], only_where_set: frozenset[str] = frozenset()) -> None:
    """Set local-only configuration on the deployed functions (a deploy resets it to serverless.yml's values).

    Variables in `only_where_set` are changed only on functions that already have them."""
    lambdas = local_client("lambda", info.endpoint)
    for name in info.functions:
        config = lambdas.get_function_configuration(FunctionName=name)
        variables = dict(config.get("Environment", {}).get("Variables", {}))
        wanted = {k: v for k, v in updates.items() if k not in only_where_set or k in variables}
        if any(variables.get(k) != v for k, v in wanted.items()):
            lambdas.update_function_configuration(FunctionName=name, Environment={"Variables": {**variables, **wanted}})
