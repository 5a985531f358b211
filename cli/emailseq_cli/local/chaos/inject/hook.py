"""Loaded by the chaos layer's .pth file in the local stack's Lambda workers, never in a deployed build.

The emulator's Python worker adds a layer's `python/lib/python3.12/site-packages` as a site directory, so the .pth
line runs before the handler module is imported. Nothing is patched unless the function's environment (set only by
the local tooling, see emailseq_cli.local.chaos.layer) says EMAILSEQ_CHAOS=count|faults. Then:
- botocore's BaseClient._make_api_call is wrapped: every call is counted in a ledger file (the cost bench), and in
  `faults` mode the armed fault strikes (faults.py), queue sends are sometimes made twice, and with
  EMAILSEQ_CHAOS_NO_IDEMPOTENCY=1 the idempotency record's condition is dropped (the negative control);
- the function's handler is wrapped, so each invocation is armed (or not) when it starts.
"""

import importlib.abc
import importlib.machinery
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

from . import faults
from .ledger import Ledger

MODE = "EMAILSEQ_CHAOS"


class ChaosCrash(RuntimeError):
    """The injected failure: the worker 'dies' at this point of the invocation."""


class _State:
    def __init__(self, env: dict[str, str]) -> None:
        self.function = env.get("EMAILSEQ_CHAOS_FUNCTION", "")
        self.faults = env.get(MODE) == "faults"
        self.rate = float(env.get("EMAILSEQ_CHAOS_RATE", "0"))
        self.no_idempotency = env.get("EMAILSEQ_CHAOS_NO_IDEMPOTENCY") == "1"
        self.data_table = env.get("EMAILSEQ_TABLE_NAME", "")
        self.once_table = env.get("EMAILSEQ_IDEMPOTENCY_TABLE_NAME", "")
        self.handler_module = env.get("EMAILSEQ_CHAOS_HANDLER_MODULE", "")
        # The emulator's SES reports a sandbox quota (14/s, 50,000 a day); a production account's stands in for it.
        self.send_quota = float(env.get("EMAILSEQ_CHAOS_SEND_QUOTA", "0"))
        self.rng = random.Random()  # fault injection, not security
        self.ledger = Ledger(env.get("EMAILSEQ_CHAOS_LEDGER", ""), self.function)
        self.armed: faults.Armed | None = None


_state: _State | None = None


def install() -> None:
    global _state
    if os.environ.get(MODE) not in ("count", "faults") or _state is not None:
        return
    _state = _State(dict(os.environ))
    patches: dict[str, Callable[[ModuleType], None]] = {"botocore.client": _patch_client}
    patches[_state.handler_module] = _wrap_handler
    for name in [name for name in patches if name in sys.modules]:  # already imported: patch it now
        patches.pop(name)(sys.modules[name])
    sys.meta_path.insert(0, _PatchOnImport(patches))


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Runs a patch right after a module has executed (botocore may come from any layer, imported later)."""

    def __init__(self, patches: dict[str, Callable[[ModuleType], None]]) -> None:
        self._patches = {name: patch for name, patch in patches.items() if name}

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        patch = self._patches.pop(fullname, None)
        if patch is None:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        loader, execute = spec.loader, spec.loader.exec_module

        def exec_and_patch(module: ModuleType) -> None:
            execute(module)
            patch(module)

        loader.exec_module = exec_and_patch  # type: ignore[method-assign]
        return spec


def _wrap_handler(module: ModuleType) -> None:
    original = getattr(module, "handler")  # noqa: B009 - set by the function's code, unknown to mypy

    def handler(event: Any, context: Any) -> Any:
        assert _state is not None
        _state.armed = faults.arm(_state.function, _state.rate, _state.rng) if _state.faults else None
        started = time.perf_counter()
        try:
            return original(event, context)
        finally:
            _state.ledger.invocation((time.perf_counter() - started) * 1000)
            if _state.armed is not None:
                _state.ledger.fault(_state.armed.point, fired=_state.armed.fired)
            _state.armed = None

    setattr(module, "handler", handler)  # noqa: B010 - the function's attribute, unknown to mypy


def _patch_client(module: ModuleType) -> None:
    original = module.BaseClient._make_api_call

    def _make_api_call(client: Any, operation: str, params: dict[str, Any]) -> Any:
        assert _state is not None
        call = faults.Call(client.meta.service_model.service_name, operation, str(params.get("TableName", "")))
        if call.service == "events" and operation == "PutEvents":
            for entry in params.get("Entries", []):
                _state.ledger.published(str(entry.get("DetailType", "")))
        if _state.send_quota and call.service == "sesv2" and operation == "GetAccount":
            _state.ledger.call(call.service, operation)
            return {"SendQuota": {"MaxSendRate": _state.send_quota, "Max24HourSend": 1e9, "SentLast24Hours": 0.0}}
        started = time.perf_counter()
        try:
            if _state.faults:
                return _with_faults(original, client, call, params)
            return original(client, operation, params)
        finally:  # also when the call (or an injected fault) raised: the request was made or attempted
            waited = (time.perf_counter() - started) * 1000
            _state.ledger.call(call.service, operation, faults.priced_items(operation, params), waited)

    module.BaseClient._make_api_call = _make_api_call


def _with_faults(original: Callable[..., Any], client: Any, call: faults.Call, params: dict[str, Any]) -> Any:
    assert _state is not None
    if _state.no_idempotency and call.operation == "PutItem" and call.table == _state.once_table:
        params = faults.strip_once_guard(params)
    action = faults.decide(_state.armed, call, _state.data_table)
    if action is faults.Action.CRASH_BEFORE:
        raise ChaosCrash(f"chaos: {call.service}.{call.operation} never made ({_state.armed})")
    if action is faults.Action.PROVIDER_ERROR:
        raise _throttled(client, call)
    if faults.duplicates(call, _state.rate, _state.rng):
        _state.ledger.fault("duplicate-delivery", fired=True)
        _state.ledger.call(call.service, call.operation, faults.priced_items(call.operation, params))
        original(client, call.operation, params)
    result = original(client, call.operation, params)
    faults.note_sent(_state.armed, call)
    if action is faults.Action.CRASH_AFTER:
        raise ChaosCrash(f"chaos: {call.service}.{call.operation} applied, then the worker died")
    return result


def _throttled(client: Any, call: faults.Call) -> Exception:
    from botocore.exceptions import ClientError

    error = {"Error": {"Code": "TooManyRequestsException", "Message": "chaos: provider throttled"}}
    failure: Exception = ClientError(error, call.operation)
    return failure
