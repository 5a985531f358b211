"""`/v1/ai`: a sequence drafted from a brief, subject-line variants for a step, a step rewritten (docs/ai.md).

Nothing is saved: the user reviews what comes back and applies it (`emailseq sequences apply`). Every document
returned has passed the checks `PUT /v1/sequences/{id}` makes, templates trial-rendered in the sandbox included.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from emailseq.api.deps import AiPorts, ai_ports
from emailseq.api.errors import ErrorOut
from emailseq.api.principal import Editor
from emailseq.domain.drafts import DraftBrief, Tone
from emailseq.domain.errors import NotFound
from emailseq.domain.sequence import SequenceDocument
from emailseq.domain.steps import Identifier
from emailseq.logic.drafts import draft_sequence, email_step, rewrite_step, subject_variants

router = APIRouter(
    prefix="/v1/ai",
    tags=["ai"],
    responses={
        409: {"model": ErrorOut, "description": "AI drafting is not configured for this deployment (no OpenAI key)"},
        502: {"model": ErrorOut, "description": "The language model failed or its answer did not validate"},
    },
)
Ports = Annotated[AiPorts, Depends(ai_ports)]


class DraftOut(BaseModel):
    document: dict[str, Any] = Field(description="A sequence document that `PUT /v1/sequences/{id}` accepts.")


class StepRequest(BaseModel):
    sequence_id: Identifier
    step_id: Identifier


class SubjectsRequest(StepRequest):
    count: Annotated[int, Field(ge=1, le=10)] = 5


class SubjectsOut(BaseModel):
    sequence_id: str
    step_id: str
    current: str
    subjects: list[str]


class RewriteRequest(StepRequest):
    tone: Tone | None = None
    reading_level: Annotated[str | None, Field(min_length=1, max_length=60, examples=["grade 6"])] = None


class RewriteOut(BaseModel):
    sequence_id: str
    step_id: str
    email: dict[str, Any]
    document: dict[str, Any]


@router.post("/drafts", response_model=DraftOut)
def create_draft(brief: DraftBrief, caller: Editor, ports: Ports) -> DraftOut:
    return DraftOut(document=draft_sequence(ports.writer, brief).canonical())


@router.post("/subjects", response_model=SubjectsOut)
def create_subjects(body: SubjectsRequest, caller: Editor, ports: Ports) -> SubjectsOut:
    document = _current(ports, caller.tenant_id, body.sequence_id)
    subjects = subject_variants(ports.writer, document, body.step_id, body.count)
    current = email_step(document, body.step_id).email.subject
    return SubjectsOut(sequence_id=body.sequence_id, step_id=body.step_id, current=current, subjects=subjects)


@router.post("/rewrites", response_model=RewriteOut)
def create_rewrite(body: RewriteRequest, caller: Editor, ports: Ports) -> RewriteOut:
    document = _current(ports, caller.tenant_id, body.sequence_id)
    rewritten = rewrite_step(ports.writer, document, body.step_id, body.tone, body.reading_level)
    email = email_step(rewritten, body.step_id).email.model_dump(mode="json", exclude_none=True)
    return RewriteOut(sequence_id=body.sequence_id, step_id=body.step_id, email=email, document=rewritten.canonical())


def _current(ports: AiPorts, tenant_id: str, sequence_id: str) -> SequenceDocument:
    stored = ports.sequences.current(tenant_id, sequence_id)
    if stored is None:
        raise NotFound("sequence", sequence_id)
    return stored.document
