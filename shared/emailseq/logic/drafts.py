"""Drafting with a language model: a whole sequence from a brief, subject-line variants, a step rewritten.

Everything the model writes is validated exactly like a hand-written document (the sequence model, then every
template compiled and trial-rendered in the Jinja2 sandbox) before anyone sees it. An answer that fails is sent
back once with the reason; a second failure is the model's (502), never a document that `apply` would refuse.
"""

from typing import Any

from pydantic import ValidationError

from emailseq.domain.drafts import DraftBrief, DraftedSequence, RewrittenEmail, SubjectVariants, to_document
from emailseq.domain.errors import InvalidInput, NotFound, UpstreamFailed
from emailseq.domain.ports import StructuredWriter
from emailseq.domain.sequence import SequenceDocument
from emailseq.domain.steps import EmailStep, walk
from emailseq.rendering.templates import check_templates, render, sample_context

WRITER_RULES = (
    "You write marketing and lifecycle emails for emailseq. HTML bodies use only simple tags (p, a, strong, em, ul, "
    "li, h2, br) with absolute https links, no scripts, no styles. Jinja2 variables available: contact.first_name, "
    "contact.last_name, contact.email, contact.attributes. Always give a default for names, e.g. "
    "{{ contact.first_name | default('there') }}. Never use any other Jinja2 syntax."
)


def draft_sequence(writer: StructuredWriter, brief: DraftBrief) -> SequenceDocument:
    prompt = _brief_prompt(brief)
    for attempt in range(2):
        drafted = writer.write(WRITER_RULES, prompt, DraftedSequence)
        try:
            return validated(to_document(drafted, brief))
        except (ValidationError, InvalidInput) as error:
            if attempt == 1:
                raise UpstreamFailed(f"the model's draft did not validate twice: {_reason(error)}") from error
            prompt += f"\n\nYour previous answer was rejected: {_reason(error)}. Fix it."
    raise AssertionError("unreachable")


def validated(document: dict[str, Any]) -> SequenceDocument:
    """The same checks `PUT /v1/sequences/{id}` makes: the document model, then the templates in the sandbox."""
    parsed = SequenceDocument.model_validate(document)
    check_templates(parsed)
    return parsed


def subject_variants(writer: StructuredWriter, document: SequenceDocument, step_id: str, count: int) -> list[str]:
    """Up to `count` alternative subjects for a step; a variant that does not compile in the sandbox is dropped."""
    step = email_step(document, step_id)
    prompt = (
        f"Write {count} alternative subject lines for this email, each different in angle, under 80 characters.\n"
        f"Current subject: {step.email.subject}\nBody:\n{step.email.html or step.email.mjml}"
    )
    answer = writer.write(WRITER_RULES, prompt, SubjectVariants)
    usable = [s.strip() for s in answer.subjects if s.strip() and _compiles(s.strip())]
    unique = [s for n, s in enumerate(usable) if s not in usable[:n] and s != step.email.subject]
    if not unique:
        raise UpstreamFailed("the model gave no usable subject line")
    return unique[:count]


def rewrite_step(
    writer: StructuredWriter, document: SequenceDocument, step_id: str, tone: str | None, reading_level: str | None
) -> SequenceDocument:
    """The document with one email step rewritten for a tone and/or a reading level (validated like any other)."""
    step = email_step(document, step_id)
    if tone is None and reading_level is None:
        raise InvalidInput("tone", "give a tone, a reading level, or both")
    wanted = ", ".join(p for p in (tone and f"tone: {tone}", reading_level and f"reading level: {reading_level}") if p)
    prompt = (
        f"Rewrite this email for {wanted}. Keep its links, its purpose and its Jinja2 variables.\n"
        f"Subject: {step.email.subject}\nHTML:\n{step.email.html or step.email.mjml}"
    )
    rewritten = writer.write(WRITER_RULES, prompt, RewrittenEmail)
    replaced = replace_email(document.canonical(), step_id, {"subject": rewritten.subject, "html": rewritten.html})
    try:
        return validated(replaced)
    except (ValidationError, InvalidInput) as error:
        raise UpstreamFailed(f"the model's rewrite did not validate: {_reason(error)}") from error


def email_step(document: SequenceDocument, step_id: str) -> EmailStep:
    for step in walk(document.steps):
        if isinstance(step, EmailStep) and step.id == step_id:
            return step
    raise NotFound("email step", step_id)


def replace_email(document: dict[str, Any], step_id: str, email: dict[str, str]) -> dict[str, Any]:
    """The document (canonical JSON) with the email of step `step_id` replaced, nested branches and splits too."""

    def visit(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for step in steps:
            step = dict(step)
            if step.get("id") == step_id and "email" in step:
                step["email"] = {**{k: v for k, v in step["email"].items() if k == "text"}, **email}
            if "branch" in step:
                branch = step["branch"]
                step["branch"] = {**branch, "then": visit(branch["then"]), "else": visit(branch["else"])}
            if "split" in step:
                step["split"] = [{**v, "steps": visit(v["steps"])} for v in step["split"]]
            out.append(step)
        return out

    return {**document, "steps": visit(document["steps"])}


def _compiles(subject: str) -> bool:
    try:
        render(subject, sample_context(), html=False)
    except Exception:  # any failure of a trial render means the subject cannot be sent
        return False
    return True


def _brief_prompt(brief: DraftBrief) -> str:
    parts = [f"Write an email sequence of exactly {brief.emails} emails in a {brief.tone} tone.", brief.brief]
    for label, value in (("Product", brief.product), ("Audience", brief.audience), ("Goal", brief.goal)):
        if value:
            parts.append(f"{label}: {value}")
    if brief.trigger_event:
        parts.append(f"Trigger event: {brief.trigger_event}")
    return "\n".join(parts)


def _reason(error: ValidationError | InvalidInput) -> str:
    if isinstance(error, InvalidInput):
        return f"{error.field}: {error.reason}"
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()[:5])
