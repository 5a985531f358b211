"""Jinja2 templates in a sandbox: compiled once per template text, checked when a sequence is applied.

The sandbox blocks attribute access to Python internals (`__class__`, `__globals__`, …); a template that tries
is rejected at apply time because we render every template once against a sample contact.
"""

from functools import lru_cache
from typing import Any

from jinja2 import Undefined
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment
from mjml import mjml2html

from emailseq.domain.errors import InvalidInput
from emailseq.domain.ports import Contact
from emailseq.domain.sequence import EmailStep, SequenceDocument
from emailseq.domain.steps import BranchStep, EmailContent, SplitStep, Step
from emailseq.rendering.inline import inline_template
from emailseq.rendering.recommend import sample_recommend

_MAX_OPERAND = 100_000


class _BoundedSandbox(SandboxedEnvironment):
    """The sandbox, plus a bound on `*` and `**` so `{{ 'a' * 10**9 }}` cannot exhaust a Lambda's memory."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int | float) and abs(right) > 64:
            raise SecurityError("exponent too large in a template")
        if operator == "*" and any(isinstance(v, str | list | tuple) for v in (left, right)):
            factor = right if isinstance(left, str | list | tuple) else left
            if isinstance(factor, int) and factor > _MAX_OPERAND:
                raise SecurityError("repetition too large in a template")
        return super().call_binop(context, operator, left, right)

    def unsafe_undefined(self, obj: Any, attribute: str) -> Undefined:
        # The stock sandbox quietly renders a blocked attribute as empty; a template reaching for Python
        # internals is refused outright (at apply time, by the trial render).
        raise SecurityError(f"access to attribute {attribute!r} of {type(obj).__name__!r} is unsafe")


_HTML = _BoundedSandbox(autoescape=True, undefined=Undefined)
_PLAIN = _BoundedSandbox(autoescape=False, undefined=Undefined)
_SAMPLE = Contact(tenant_id="sample", contact_id="sample", email="sample@example.com", first_name="Sam")


@lru_cache(maxsize=2048)
def _compiled(source: str, html: bool) -> Any:
    """Compiled (and for HTML, CSS-inlined) once per template text in a warm Lambda."""
    return _HTML.from_string(inline_template(source)) if html else _PLAIN.from_string(source)


def contact_context(contact: Contact) -> dict[str, Any]:
    """The `contact` variable templates see; unset fields are left out so `default(...)` applies to them."""
    fields = {
        "email": contact.email,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "timezone": contact.timezone,
        **contact.attributes,
    }
    return {"contact": {key: value for key, value in fields.items() if value is not None}}


@lru_cache(maxsize=512)
def _mjml_to_html(source: str) -> str:
    return str(mjml2html(source))


def html_source(content: EmailContent) -> str:
    """The HTML template of an email: as written, or compiled from MJML (once per template text)."""
    if content.mjml is not None:
        return _mjml_to_html(content.mjml)
    assert content.html is not None  # EmailContent has exactly one of the two
    return content.html


def sample_context() -> dict[str, Any]:
    """The sample contact every template is trial-rendered against when a sequence is applied, and the sample
    blocks `recommend(collection, n)` gives it."""
    return {**contact_context(_SAMPLE), "recommend": sample_recommend}


def render(source: str, context: dict[str, Any], *, html: bool) -> str:
    return str(_compiled(source, html).render(context))


def check_templates(document: SequenceDocument) -> None:
    """Compile and trial-render every template; raise InvalidInput naming the step and the reason."""
    context = sample_context()
    for path, step in _email_steps(document.steps, "steps"):
        _check_step(path, step, context)


def _email_steps(steps: list[Step], path: str) -> list[tuple[str, EmailStep]]:
    """Every email step, nested ones included, with its path in the document (`steps[2].branch.then[0]`)."""
    found: list[tuple[str, EmailStep]] = []
    for index, step in enumerate(steps):
        here = f"{path}[{index}]"
        if isinstance(step, EmailStep):
            found.append((here, step))
        elif isinstance(step, BranchStep):
            found += _email_steps(step.branch.then, f"{here}.branch.then")
            found += _email_steps(step.branch.else_, f"{here}.branch.else")
        elif isinstance(step, SplitStep):
            for number, variant in enumerate(step.split):
                found += _email_steps(variant.steps, f"{here}.split[{number}].steps")
    return found


def _check_step(path: str, step: EmailStep, context: dict[str, Any]) -> None:
    body = "mjml" if step.email.mjml is not None else "html"
    parts = {"subject": (step.email.subject, False), body: (html_source(step.email), True)}
    if step.email.text is not None:
        parts["text"] = (step.email.text, False)
    for number, subject in enumerate(step.email.subjects or []):  # every bandit arm is a template too
        parts[f"subjects[{number}]"] = (subject, False)
    for part, (source, html) in parts.items():
        try:
            render(source, context, html=html)
        except Exception as error:  # any failure of a trial render means the template cannot be sent
            raise InvalidInput(f"{path}.email.{part}", f"step '{step.id}': template error: {error}") from error
