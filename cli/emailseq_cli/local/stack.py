"""`emailseq local up|down|env`: the emulator, the deployed stack, and what the CLI needs to talk to it."""

import json
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from emailseq.auth import KeySet, Role, mint_token

from emailseq_cli.errors import CliError
from emailseq_cli.local import deploy, emulator
from emailseq_cli.local.aws import local_client
from emailseq_cli.local.paths import LocalPaths

DEMO_TENANT = "demo"
SENDER_DOMAIN = "example.com"


@dataclass(frozen=True)
class StackInfo:
    endpoint: str
    api_url: str
    token_secret_id: str
    queues: dict[str, str]
    functions: list[str]
    bucket: str = ""
    live_api_id: str = ""  # the live feed's WebSocket API
    dashboard_bucket: str = ""

    def save(self, paths: LocalPaths) -> None:
        paths.stack_file.write_text(json.dumps(asdict(self), indent=2))

    @classmethod
    def load(cls, paths: LocalPaths) -> "StackInfo":
        if not paths.stack_file.is_file():
            raise CliError("the local stack has not been deployed yet; run `make run` or `emailseq local up`")
        return cls(**json.loads(paths.stack_file.read_text()))


def deploy_stack(paths: LocalPaths, port: int) -> StackInfo:
    started = time.monotonic()
    endpoint_url = emulator.endpoint(port)
    deploy.deploy(paths.root, port)
    outputs = deploy.stack_outputs(endpoint_url)
    # The emulator, like SES in a fresh AWS account, refuses unverified senders: verify the demo domain.
    local_client("sesv2", endpoint_url).create_email_identity(EmailIdentity=SENDER_DOMAIN)
    info = StackInfo(
        endpoint=endpoint_url,
        api_url=f"{endpoint_url}/_aws/execute-api/{outputs['HttpApiId']}",
        token_secret_id=outputs["TokenSecretArn"],
        queues={key: value for key, value in outputs.items() if key.endswith("QueueUrl")},
        functions=deploy.function_names(endpoint_url),
        bucket=outputs.get("DataBucketName", ""),
        live_api_id=outputs.get("LiveApiId", ""),
        dashboard_bucket=outputs.get("DashboardBucketName", ""),
    )
    info.save(paths)
    print(f"deployed the stack in {time.monotonic() - started:.1f}s")
    return info


def token_secret(info: StackInfo) -> str:
    secrets = local_client("secretsmanager", info.endpoint)
    return str(secrets.get_secret_value(SecretId=info.token_secret_id)["SecretString"])


def dev_token(info: StackInfo, tenant: str = DEMO_TENANT, role: Role = Role.OWNER) -> str:
    return mint_token(KeySet.parse(token_secret(info)), tenant, role, datetime.now(UTC), timedelta(days=30))


def dashboard_url(info: StackInfo) -> str:
    """The emulator serves the dashboard's bucket itself (path-style S3); empty before the first deploy with one."""
    return f"{info.endpoint}/{info.dashboard_bucket}/index.html" if info.dashboard_bucket else ""


def env_lines(info: StackInfo, token: str) -> list[str]:
    return [
        f"EMAILSEQ_API_URL={info.api_url}",
        f"EMAILSEQ_TOKEN={token}",
        f"EMAILSEQ_DASHBOARD_URL={dashboard_url(info)}",
        f"AWS_ENDPOINT_URL={info.endpoint}",
    ]
