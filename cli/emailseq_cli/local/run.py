"""`emailseq local up`: emulator → deploy the packaged stack → seed → print where everything is."""

import time

from emailseq_cli.errors import CliError
from emailseq_cli.local import emulator, spamd
from emailseq_cli.local.clock import apply_offset, configure, current_offset
from emailseq_cli.local.dashboard import configure_live_feed
from emailseq_cli.local.paths import LocalPaths, local_paths, local_port
from emailseq_cli.local.stack import DEMO_TENANT, StackInfo, dashboard_url, deploy_stack, dev_token

PUBLIC_URL = "EMAILSEQ_PUBLIC_URL"


def up(detach: bool, seed: bool) -> None:
    paths = local_paths()
    paths.home.mkdir(exist_ok=True)
    port = local_port()
    started = time.monotonic()
    process = None if emulator.already_running(paths, port) else emulator.start(paths, port)
    spamd.start(paths, spamd.spamd_port())  # the preview's deliverability check, when SpamAssassin is installed
    try:
        info = deploy_stack(paths, port)
        # Local-only configuration: the clock offset, and tracking links that point at the local API.
        apply_offset(info, current_offset(paths))
        configure(info, {PUBLIC_URL: info.api_url}, only_where_set=frozenset({PUBLIC_URL}))
        configure_live_feed(info)
        token = dev_token(info)
        (paths.home / "dev-token").write_text(token)
        if seed:
            _seed(paths)
    except BaseException:
        if process is not None:
            emulator.stop(paths)
            spamd.stop(paths)
        raise
    _announce(info, token, time.monotonic() - started)
    if not detach:
        _wait_in_foreground(paths)


def _seed(paths: LocalPaths) -> None:
    from emailseq_cli.api import call
    from emailseq_cli.documents import load_document

    document = load_document(paths.root / "examples" / "demo-sequence.yaml")
    result = call("PUT", f"/v1/sequences/{document['id']}", document)
    print(f"seeded tenant '{DEMO_TENANT}' with sequence '{result['id']}' (version {result['version']})")


def _announce(info: StackInfo, token: str, seconds: float) -> None:
    lines = [
        f"emailseq local stack is up ({seconds:.0f}s)",
        f"  API:       {info.api_url}   (spec: {info.api_url}/openapi.json)",
        f"  Dashboard: {dashboard_url(info) or 'not deployed'}   (log in with the token below)",
        f"  Token:     {token}",
        f"  AWS endpoint: {info.endpoint}",
        "",
        "In another shell:  eval $(.venv/bin/emailseq local env)   then e.g.",
        "  .venv/bin/emailseq events send demo.started --email ada@example.com --attr first_name=Ada",
        "  .venv/bin/emailseq outbox",
    ]
    print("\n".join(lines), flush=True)


def _wait_in_foreground(paths: LocalPaths) -> None:
    print("Ctrl-C stops the stack; its state is kept in .emailseq/ for the next run.", flush=True)
    try:
        while paths.pid_file.is_file() and emulator.is_up(local_port()):
            time.sleep(2)
    except KeyboardInterrupt:
        print("\nstopping…", flush=True)
    finally:
        emulator.stop(paths)
        spamd.stop(paths)
    if not paths.pid_file.is_file():
        return
    raise CliError("the emulator stopped unexpectedly; see .emailseq/emulator.log")
