"""`emailseq simulate`: the production use cases over a synthetic audience, in memory (no sockets)."""

import json
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from emailseq.domain.enrollment import Enrollment, EnrollmentStatus
from emailseq.domain.sequence import SequenceDocument
from emailseq_cli.main import app
from emailseq_cli.simulate.enrollments import MemoryEnrollmentStore
from emailseq_cli.simulate.options import Options, load_sequence
from emailseq_cli.simulate.report import summary
from emailseq_cli.simulate.run import simulate


def _email(step_id: str, link: bool = True) -> dict[str, Any]:
    html = f"<p>{step_id} for {{{{ contact.first_name }}}}</p>"
    if link:
        html += f"<p><a href='https://example.com/{step_id}'>more</a></p>"
    return {"id": step_id, "email": {"subject": f"{step_id}", "html": html}}


def _document(steps: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"id": "sim-test", "name": "Sim test", "trigger": {"event": "user.signed_up"}, **extra, "steps": steps}


LINEAR = _document([_email("one"), {"wait": "1d"}, _email("two"), {"wait": "1d"}, _email("three")])
ON_OPEN = _document(
    [
        _email("hello"),
        {"wait": "1d"},
        {"id": "b", "branch": {"if": {"opened": "hello"}, "then": [_email("yes")], "else": [_email("no")]}},
    ]
)


def _file(tmp_path: Path, document: dict[str, Any]) -> Path:
    path = tmp_path / "sequence.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def _run(tmp_path: Path, document: dict[str, Any], **options: Any) -> dict[str, Any]:
    settings = {"contacts": 60, "days": 5, **options}
    return summary(simulate(load_sequence(_file(tmp_path, document)), Options(**settings)))


def _sent(data: dict[str, Any]) -> dict[str, int]:
    return {step["id"]: step["sent"] for step in data["funnel"]["steps"]}


def _ends_add_up(funnel: dict[str, Any]) -> None:
    assert funnel["completed"] + funnel["converted"] + funnel["exited"] + funnel["active"] == funnel["enrolled"]


def test_a_linear_sequence_sends_every_step_to_everyone_enrolled(tmp_path: Path) -> None:
    data = _run(tmp_path, LINEAR)
    funnel = data["funnel"]
    assert funnel["enrolled"] == 60
    assert _sent(data) == {"one": 60, "two": 60, "three": 60}
    assert funnel["completed"] == 60
    _ends_add_up(funnel)
    by_step = {step: sum(day["sent"][step] for day in data["timeline"]) for step in ("one", "two", "three")}
    assert by_step == _sent(data)
    assert sum(day["total"] for day in data["timeline"]) == data["effects"]["emails"] == 180
    assert data["timeline"][0]["sent"]["one"] == 60  # signups spread over the first day get the first email at once


def test_opens_and_clicks_stay_within_the_sends(tmp_path: Path) -> None:
    data = _run(tmp_path, LINEAR, contacts=200, open_rate=0.5, click_rate=0.5)
    for step in data["funnel"]["steps"]:
        assert 0 < step["clicked"] <= step["opened"] < step["sent"]


def test_everyone_opens_so_a_branch_on_opened_always_takes_then(tmp_path: Path) -> None:
    data = _run(tmp_path, ON_OPEN, open_rate=1.0)
    assert _sent(data) == {"hello": 60, "yes": 60, "no": 0}
    assert data["funnel"]["steps"][0]["opened"] == 60


def test_nobody_opens_so_a_branch_on_opened_always_takes_else(tmp_path: Path) -> None:
    data = _run(tmp_path, ON_OPEN, open_rate=0.0, click_rate=1.0)
    assert _sent(data) == {"hello": 60, "yes": 0, "no": 60}
    assert all(step["opened"] == step["clicked"] == 0 for step in data["funnel"]["steps"])


def test_reaching_the_goal_ends_enrollments_and_cuts_later_sends(tmp_path: Path) -> None:
    with_goal = _document(LINEAR["steps"], goal={"event": "subscription.started"})
    without = _run(tmp_path, with_goal, contacts=200)
    converting = _run(tmp_path, with_goal, contacts=200, goal_rate=0.6)
    assert without["funnel"]["converted"] == 0
    assert 0 < converting["funnel"]["converted"] <= 200
    assert _sent(converting)["three"] < _sent(without)["three"] == 200
    assert _sent(converting)["one"] >= _sent(converting)["two"] >= _sent(converting)["three"]
    assert converting["effects"]["events"]["subscription.started"] >= converting["funnel"]["converted"]
    _ends_add_up(converting["funnel"])


def test_wait_until_moves_on_when_the_event_comes_and_waits_when_it_does_not(tmp_path: Path) -> None:
    document = _document([_email("hello"), {"wait_until": {"event": "app.used", "timeout": "10d"}}, _email("after")])
    everyone = _run(tmp_path, document, days=3, event_rates=(("app.used", 1.0),))
    nobody = _run(tmp_path, document, days=3)
    assert _sent(everyone)["after"] == 60
    assert everyone["funnel"]["completed"] == 60
    assert _sent(nobody)["after"] == 0
    assert nobody["funnel"]["active"] == 60


def test_the_send_window_holds_emails_until_it_opens(tmp_path: Path) -> None:
    window = {"days": ["mon"], "from": "09:00", "to": "10:00", "timezone": "UTC"}
    document = _document([_email("hello"), {"wait": "1d"}, _email("later")], send_window=window)
    data = _run(tmp_path, document, days=7, timezones=("UTC",), arrivals="burst")
    assert data["timeline"][0]["sent"] == {"hello": 60, "later": 0}  # held from 00:00 to 09:00 on Monday
    assert all(day["total"] == 0 for day in data["timeline"][1:])  # `later` waits for next Monday
    assert data["funnel"]["active"] == 60


def test_split_update_attribute_webhook_and_exit_all_run(tmp_path: Path) -> None:
    variants = [{"name": "a", "steps": [_email("va")]}, {"name": "b", "steps": [_email("vb")]}]
    hook = {"id": "hook", "webhook": {"url": "https://hooks.example.com/x"}}
    document = _document(
        [{"id": "ab", "split": variants}, {"update_attribute": {"seen": True}}, hook, {"exit": True}, _email("never")]
    )
    data = _run(tmp_path, document, contacts=100)
    sent = _sent(data)
    assert sent["va"] + sent["vb"] == 100
    assert sent["va"] > 0
    assert sent["vb"] > 0
    assert sent["never"] == 0
    assert data["effects"]["webhooks"] == data["effects"]["attribute_updates"] == data["funnel"]["exited"] == 100


def test_the_same_seed_gives_the_same_run_and_another_seed_another(tmp_path: Path) -> None:
    first = _run(tmp_path, LINEAR, contacts=200, seed=7)
    again = _run(tmp_path, LINEAR, contacts=200, seed=7)
    other = _run(tmp_path, LINEAR, contacts=200, seed=8)
    assert first == again
    assert first["funnel"] != other["funnel"]


def _cli(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setattr(sys, "argv", ["emailseq", "simulate", *args])
    with pytest.raises(SystemExit) as stopped:
        app()
    return int(stopped.value.code or 0)


def test_the_command_prints_the_funnel_and_timeline_or_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _file(tmp_path, LINEAR)
    assert _cli(monkeypatch, str(path), "--contacts", "20", "--days", "3", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["funnel"]["enrolled"] == 20
    assert [day["day"] for day in data["timeline"]] == [1, 2, 3]
    assert _cli(monkeypatch, str(path), "--contacts", "20", "--days", "3") == 0
    out = capsys.readouterr().out
    assert "enrolled 20" in out
    assert "2026-01-05" in out
    assert "three" in out


def test_the_command_draws_a_png(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chart = tmp_path / "chart.png"
    assert _cli(monkeypatch, str(_file(tmp_path, LINEAR)), "--contacts", "10", "--days", "3", "--plot", str(chart)) == 0
    assert chart.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--open-rate", "1.5"], "--open-rate"),
        (["--contacts", "0"], "--contacts"),
        (["--event-rate", "app.used"], "--event-rate"),
        (["--timezones", "Mars/Olympus"], "--timezones"),
        (["--arrivals", "trickle"], "--arrivals"),
        (["--goal-rate", "0.5"], "no goal"),
        (["--plot", "chart.svg"], ".png"),
    ],
)
def test_bad_options_are_one_line_on_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], args: list[str], says: str
) -> None:
    assert _cli(monkeypatch, str(_file(tmp_path, LINEAR)), *args) == 1
    err = capsys.readouterr().err.strip()
    assert says in err
    assert "\n" not in err


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (_document([{"wait": "1d"}]), "at least one email step"),
        (_document([{"id": "x", "email": {"subject": "{{ broken", "html": "<p>hi</p>"}}]), "template error"),
    ],
)
def test_bad_documents_are_one_line_on_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], content: Any, says: str
) -> None:
    assert _cli(monkeypatch, str(_file(tmp_path, content))) == 1
    err = capsys.readouterr().err.strip()
    assert says in err
    assert "\n" not in err
    assert _cli(monkeypatch, str(tmp_path / "missing.yaml")) == 1
    assert "no such file" in capsys.readouterr().err


# -- the in-memory enrollment store keeps the DynamoDB store's contract -------------------------------------------

T0 = datetime(2026, 1, 5, tzinfo=UTC)


def _enrollment(contact: str = "c1", at: datetime = T0) -> Enrollment:
    return Enrollment.start("t", contact, SequenceDocument.model_validate(LINEAR), 1, at)


def test_store_creates_once_and_replaces_only_from_the_stored_state() -> None:
    store = MemoryEnrollmentStore()
    fresh = _enrollment()
    assert store.create(fresh)
    assert not store.create(fresh)
    after = replace(fresh, cursor=2, due_at=T0 + timedelta(days=1))
    assert store.replace(fresh, after, sent_step="one")
    assert not store.replace(fresh, after, sent_step="one")  # stale: the cursor moved
    assert store.step_totals["one"]["sent"] == 1
    assert store.totals["enrolled"] == 1
    again = Enrollment.start("t", "c1", SequenceDocument.model_validate(LINEAR), 1, T0, generation=2)
    assert not store.create(again, replacing=after)  # re-enrollment replaces only an ended enrollment
    ended = after.ended(EnrollmentStatus.COMPLETED, T0 + timedelta(days=1))
    assert store.replace(after, ended)
    assert store.totals["completed"] == 1
    assert not store.create(again, replacing=again)  # ... at the generation it names
    assert store.create(again, replacing=ended)
    assert store.totals["enrolled"] == 2
    assert store.for_contact("t", "c1") == [again]


def test_store_due_reads_the_index_in_time_order_and_leases_hide_entries() -> None:
    store = MemoryEnrollmentStore()
    late, early = _enrollment("late", T0 + timedelta(hours=2)), _enrollment("early", T0 + timedelta(hours=1))
    store.create(late)
    store.create(early)
    now = T0 + timedelta(hours=3)
    assert [e.contact_id for e in store.due(now, 10)] == ["early", "late"]
    assert [e.contact_id for e in store.due(now, 1)] == ["early"]  # a read takes nothing out of the index
    assert store.lease(early, now, now + timedelta(minutes=15))
    assert not store.lease(early, now, now + timedelta(minutes=15))  # an unexpired lease is held
    assert [e.contact_id for e in store.due(now, 10)] == ["late"]
    expired = now + timedelta(minutes=15)
    assert [e.contact_id for e in store.due(expired, 10)] == ["late", "early"]  # by index time: the lease's end
    assert store.due(T0, 10) == []


def test_store_records_facts_once_and_wakes_only_the_awaited_event() -> None:
    store = MemoryEnrollmentStore()
    fresh = _enrollment()
    store.create(fresh)
    assert store.record_fact(fresh, "opened", "one")
    assert not store.record_fact(fresh, "opened", "one")
    assert store.step_totals["one"]["opened"] == 1
    stored = store.get("t", "c1", "sim-test")
    assert stored is not None
    assert stored.facts.opened == {"one"}
    waiting = replace(fresh, due_at=T0 + timedelta(days=9), waiting_for="app.used")
    assert store.replace(fresh, waiting)  # `fresh` was read before the open: a state change keeps the facts
    kept = store.get("t", "c1", "sim-test")
    assert kept is not None
    assert kept.facts.opened == {"one"}
    assert kept.waiting_for == "app.used"
    assert not store.wake(fresh, T0)  # `fresh` waits for nothing
    assert store.wake(waiting, T0 + timedelta(hours=1))
    assert [e.contact_id for e in store.due(T0 + timedelta(hours=1), 10)] == ["c1"]
