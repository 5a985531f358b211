"""The dashboard and the live feed on the local stack: the emulator's own URLs, written where the app reads them.

serverless.yml's plugin (infrastructure/plugins/dashboard.js) uploads dashboard/ with AWS-style URLs; here the
emulator serves the bucket itself (path-style S3), the APIs answer under /_aws/execute-api/{id}, and the local
outbox (the emulator's SES read-back) is offered to the dashboard: none of this exists in AWS.
"""

import json

from emailseq_cli.local.aws import local_client
from emailseq_cli.local.clock import configure
from emailseq_cli.local.stack import StackInfo

MANAGEMENT_URL = "EMAILSEQ_LIVE_MANAGEMENT_URL"
STAGE = "local"


def live_urls(info: StackInfo) -> tuple[str, str]:
    """(the socket URL dashboards connect to, the @connections endpoint the broadcaster posts to)."""
    http = f"{info.endpoint}/_aws/execute-api/{info.live_api_id}/{STAGE}"
    return "ws" + http.removeprefix("http"), http


def configure_live_feed(info: StackInfo) -> None:
    if not info.live_api_id:
        return
    socket_url, management_url = live_urls(info)
    configure(info, {MANAGEMENT_URL: management_url}, only_where_set=frozenset({MANAGEMENT_URL}))
    if info.dashboard_bucket:
        config = {
            "apiUrl": info.api_url,
            "liveUrl": socket_url,
            "stage": STAGE,
            # Local only: what the emulator's SES accepted (subject and bodies), for the dashboard's outbox page.
            "outboxUrl": f"{info.endpoint}/_ministack/ses/messages",
        }
        local_client("s3", info.endpoint).put_object(
            Bucket=info.dashboard_bucket,
            Key="config.json",
            Body=json.dumps(config, indent=2).encode(),
            ContentType="application/json",
            CacheControl="no-cache",
        )
