"""Emails authored in MJML: compiled to responsive HTML once, then rendered like any HTML template."""

import pytest
from emailseq.domain.ports import Contact
from emailseq.domain.steps import EmailContent, EmailStep
from emailseq.rendering.compose import compose
from pydantic import ValidationError

LAYOUT = (
    "<mjml><mj-body><mj-section><mj-column>"
    "<mj-text>Hi {{ contact.first_name | default('there') }}</mj-text>"
    "<mj-button href='https://example.com/start'>Start</mj-button>"
    "</mj-column></mj-section></mj-body></mjml>"
)


def test_an_mjml_email_renders_as_responsive_html_with_its_template_values() -> None:
    # Given an email step written in MJML / When composed for Ada
    step = EmailStep(id="welcome", email=EmailContent(subject="Hi", mjml=LAYOUT))
    email = compose(step, Contact(tenant_id="t", contact_id="c", email="ada@example.com", first_name="Ada"))
    # Then the HTML is MJML's table layout with the values filled in, and the text part was made from it
    assert "<table" in email.html
    assert "Hi Ada" in email.html
    assert 'href="https://example.com/start"' in email.html
    assert "Hi Ada" in email.text


@pytest.mark.parametrize("body", [{}, {"html": "<p>x</p>", "mjml": LAYOUT}])
def test_an_email_has_exactly_one_of_html_and_mjml(body: dict[str, str]) -> None:
    with pytest.raises(ValidationError, match="exactly one of `html` and `mjml`"):
        EmailContent(subject="Hi", **body)
