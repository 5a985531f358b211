"""`/v1/sequences/{id}/report/daily` (the day-by-day funnel per step) and `/v1/sequences/{id}/exports` (the
sequence's events as a CSV file in S3, answered with a presigned link)."""

from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from emailseq.api.deps import AnalyticsApiPorts, analytics_api_ports, export_ports_for_api
from emailseq.api.principal import Caller, Editor
from emailseq.domain.errors import NotFound
from emailseq.domain.ports import StoredSequence
from emailseq.logic.analytics import daily
from emailseq.logic.exports import ExportPorts, export_events

router = APIRouter(prefix="/v1/sequences", tags=["analytics"])
SequenceId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")]
Ports = Annotated[AnalyticsApiPorts, Depends(analytics_api_ports)]
DEFAULT_DAYS = 30


class StepDay(BaseModel):
    id: str
    sent: int
    delivered: int
    opened: int  # human opens (first per contact and email)
    machine_opened: int  # privacy-proxy (Apple MPP) and scanner fetches, not in `opened`
    clicked: int
    unsubscribed: int
    bounced: int
    converted: int  # conversions attributed to this email (last clicked within the window)


class Day(BaseModel):
    date: date
    enrolled: int
    converted: int
    steps: list[StepDay]


class DailyOut(BaseModel):
    sequence_id: str
    from_: date = Field(serialization_alias="from")
    to: date
    days: list[Day]


class ExportIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: date | None = Field(default=None, alias="from", description="First day (UTC); 30 days ago if left out.")
    to: date | None = Field(default=None, description="Last day (UTC), included; today if left out.")
    format: Annotated[str, Field(pattern="^csv$")] = "csv"


class ExportOut(BaseModel):
    id: str
    sequence_id: str
    status: str  # ready: the file is written and the link works until expires_at
    format: str
    from_: date = Field(serialization_alias="from")
    to: date
    rows: int
    url: str
    expires_at: datetime


def _sequence(ports: AnalyticsApiPorts, tenant_id: str, sequence_id: str) -> StoredSequence:
    stored = ports.sequences.current(tenant_id, sequence_id)
    if stored is None:
        raise NotFound("sequence", sequence_id)
    return stored


def _range(ports: AnalyticsApiPorts, first: date | None, last: date | None) -> tuple[date, date]:
    last = last or ports.clock.now().date()
    return (first or last - timedelta(days=DEFAULT_DAYS - 1)), last


@router.get("/{sequence_id}/report/daily", response_model=DailyOut, response_model_by_alias=True)
def get_daily(
    sequence_id: SequenceId,
    caller: Caller,
    ports: Ports,
    from_: Annotated[date | None, Query(alias="from", description="First day (UTC); 30 days before `to`.")] = None,
    to: Annotated[date | None, Query(description="Last day (UTC), included; today if left out.")] = None,
) -> DailyOut:
    stored = _sequence(ports, caller.tenant_id, sequence_id)
    first, last = _range(ports, from_, to)
    step_ids = [step.id for step in stored.document.email_steps()]
    series = daily(ports.analytics, caller.tenant_id, sequence_id, step_ids, first, last)
    days = [
        Day(
            date=date.fromisoformat(day.day),
            enrolled=day.totals["enrolled"],
            converted=day.totals["converted"],
            steps=[StepDay(id=step, **counts) for step, counts in day.steps.items()],
        )
        for day in series
    ]
    return DailyOut(sequence_id=sequence_id, from_=first, to=last, days=days)


@router.post("/{sequence_id}/exports", status_code=201, response_model=ExportOut, response_model_by_alias=True)
def post_export(
    sequence_id: SequenceId,
    caller: Editor,
    ports: Ports,
    exports: Annotated[ExportPorts, Depends(export_ports_for_api)],
    body: ExportIn | None = None,
) -> ExportOut:
    """Write the sequence's events of the range (UTC days) to a CSV file; answers its link (valid one hour)."""
    _sequence(ports, caller.tenant_id, sequence_id)
    wanted = body or ExportIn()
    first, last = _range(ports, wanted.from_, wanted.to)
    done = export_events(exports, caller.tenant_id, sequence_id, first, last)
    return ExportOut(
        id=done.export_id,
        sequence_id=sequence_id,
        status="ready",
        format="csv",
        from_=first,
        to=last,
        rows=done.rows,
        url=done.url,
        expires_at=done.expires_at,
    )
