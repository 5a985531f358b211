"""The live feed's latency on the running local stack: from the send to a connected dashboard's socket.

Run (with the stack up, e.g. `make run` or `emailseq local up --detach`):
    EMAILSEQ_LOCAL_PORT=4566 .venv/bin/python bench/live_feed_latency.py [EVENTS]

A fresh tenant, a one-email sequence, one socket connected as a dashboard connects (`?token=`). For each of EVENTS
contact events (one at a time): `send → socket` is the socket's arrival minus the sender's `sent_at` (corrected
for `emailseq clock` travel), `event → socket` the arrival minus the moment POST /v1/events was answered.
"""

import json
import sys
import time
import uuid
from datetime import datetime
from statistics import median, quantiles

import httpx
from emailseq_cli.local.clock import current_offset
from emailseq_cli.local.paths import LocalPaths, project_root
from emailseq_cli.local.stack import StackInfo, dev_token
from websockets.sync.client import connect

SEQUENCE = {
    "name": "Live bench",
    "trigger": {"event": "bench.live"},
    "steps": [{"id": "hello", "email": {"subject": "Hello", "html": "<p>Hi</p>"}}],
}


def main(events: int) -> None:
    paths = LocalPaths(project_root())
    info = StackInfo.load(paths)
    tenant = f"bench{uuid.uuid4().hex[:8]}"
    token = dev_token(info, tenant)
    headers = {"Authorization": f"Bearer {token}"}
    httpx.put(f"{info.api_url}/v1/sequences/live-bench", json=SEQUENCE, headers=headers, timeout=60).raise_for_status()
    config = httpx.get(f"{info.endpoint}/{info.dashboard_bucket}/config.json", timeout=10).json()
    offset = current_offset(paths)
    send_to_socket, event_to_socket = [], []
    with connect(f"{config['liveUrl']}?token={token}", open_timeout=30) as socket:
        for n in range(events):
            body = {"id": f"e{n}", "type": "bench.live", "contact": {"email": f"c{n}@{tenant}.example.com"}}
            httpx.post(f"{info.api_url}/v1/events", json=body, headers=headers, timeout=60).raise_for_status()
            answered = time.time()
            while (message := json.loads(socket.recv(timeout=120)))["type"] != "email.sent":
                pass
            arrived = time.time()
            sent_at = datetime.fromisoformat(message["at"]).timestamp() - offset
            send_to_socket.append(arrived - sent_at)
            event_to_socket.append(arrived - answered)
    print(f"live feed on the local stack, {events} events one at a time (tenant {tenant})")
    for name, values in (("send  -> socket", send_to_socket), ("event -> socket", event_to_socket)):
        p95 = quantiles(values, n=20, method="inclusive")[-1] if len(values) > 1 else values[0]
        print(f"{name}   p50 {median(values):6.2f} s   p95 {p95:6.2f} s   max {max(values):6.2f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
