"""Sandboxed Jinja templates: the context a template sees, rendering, and the apply-time check of every template."""

import pytest
from builders import branch, contact, document, email, split, variant, wait
from emailseq.domain.errors import InvalidInput
from emailseq.domain.ports import Contact
from emailseq.rendering.templates import check_templates, contact_context, render

# -- the context ----------------------------------------------------------------------------------------------------


def test_the_context_holds_set_fields_and_attributes_and_leaves_out_unset_ones() -> None:
    # Given a contact with a first name and a plan attribute, but no last name or timezone
    context = contact_context(contact("Ada", plan="pro", seats=3))
    # Then the template's `contact` has exactly the set values
    assert context == {"contact": {"email": "ada@example.com", "first_name": "Ada", "plan": "pro", "seats": 3}}


def test_an_attribute_set_to_null_is_left_out_so_default_applies() -> None:
    context = contact_context(contact(None, plan=None))
    assert render("{{ contact.plan | default('free') }}", context, html=False) == "free"


# -- rendering --------------------------------------------------------------------------------------------------------


def test_html_rendering_escapes_values_and_plain_rendering_does_not() -> None:
    # Given a contact whose name contains markup
    context = contact_context(contact("<b>Ada</b> & Co"))
    source = "Hi {{ contact.first_name }}"
    # When rendered as HTML and as plain text / Then only the HTML one is escaped
    assert render(source, context, html=True) == "Hi &lt;b&gt;Ada&lt;/b&gt; &amp; Co"
    assert render(source, context, html=False) == "Hi <b>Ada</b> & Co"


def test_a_missing_value_renders_empty_and_default_fills_it() -> None:
    context = contact_context(contact(None))
    assert render("Hi {{ contact.first_name }}!", context, html=False) == "Hi !"
    assert render("Hi {{ contact.first_name | default('there') }}!", context, html=False) == "Hi there!"


# -- the apply-time check ---------------------------------------------------------------------------------------------


def test_valid_templates_pass_the_check() -> None:
    # Given the onboarding document (default(), links, plain text part)
    steps = [email("a", "Hi {{ contact.first_name | default('there') }}", "<p>{{ contact.email }}</p>", "Hi")]
    # When checked / Then nothing is raised
    check_templates(document(steps=[*steps, wait("1d"), email("b", "{% if contact.plan %}Pro{% endif %}")]))


@pytest.mark.parametrize(
    ("part", "broken"),
    [
        ("subject", "Hi {{ contact.first_name "),
        ("html", "<p>{% if contact.plan %}pro</p>"),
        ("text", "Hi {{ contact.first_name | no_such_filter }}"),
    ],
)
def test_a_template_that_does_not_compile_is_rejected_naming_the_field_and_the_step(part: str, broken: str) -> None:
    # Given a document whose third step (index 2) has a broken template in one part
    parts = {"subject": "Hello", "html": "<p>Hello</p>", "text": "Hello", part: broken}
    doc = document(steps=[email("welcome"), wait("1d"), email("tips", parts["subject"], parts["html"], parts["text"])])
    # When the templates are checked
    with pytest.raises(InvalidInput) as caught:
        check_templates(doc)
    # Then the error names the field of that part and the step id
    assert caught.value.field == f"steps[2].email.{part}"
    assert caught.value.reason.startswith("step 'tips': template error:")


@pytest.mark.parametrize(
    "escape",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ contact.__class__.__init__.__globals__ }}",
        "{{ cycler.__init__.__globals__.os }}",
    ],
)
def test_a_template_reaching_for_python_internals_is_rejected(escape: str) -> None:
    # Given a template trying to climb out of the sandbox
    doc = document(steps=[email("welcome", html=f"<p>{escape}</p>")])
    # When checked / Then it is rejected as invalid input on that field, blaming the sandbox
    with pytest.raises(InvalidInput, match="unsafe") as caught:
        check_templates(doc)
    assert caught.value.field == "steps[0].email.html"


@pytest.mark.parametrize("failing", ["{{ 1 / 0 }}", "{{ '%d' % 'x' }}", "{{ contact.nothing.deeper }}"])
def test_a_template_failing_when_rendered_is_rejected(failing: str) -> None:
    doc = document(steps=[email("welcome", subject=failing)])
    with pytest.raises(InvalidInput) as caught:
        check_templates(doc)
    assert caught.value.field == "steps[0].email.subject"


def test_an_email_without_a_text_part_has_only_subject_and_html_checked() -> None:
    # Given an email step with no text part / When checked / Then it passes (no `text` to trip on)
    check_templates(document(steps=[email("welcome", text=None)]))
    assert document(steps=[email("welcome")]).steps[0].email.text is None  # type: ignore[union-attr]


def test_a_template_that_recurses_forever_is_rejected_as_invalid_input() -> None:
    # Given a template whose macro calls itself forever
    doc = document(steps=[email("welcome", html="{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}")])
    # When checked / Then it is invalid input on that field, like any other template that cannot render
    with pytest.raises(InvalidInput) as caught:
        check_templates(doc)
    assert caught.value.field == "steps[0].email.html"


def test_a_template_using_a_custom_attribute_passes_the_check_and_renders_it_for_a_real_contact() -> None:
    # Given a template using `plan`, an attribute the apply-time sample contact does not have
    source = "{{ contact.plan | default('free') | upper }} plan"
    # When the document is checked / Then it passes
    check_templates(document(steps=[email("welcome", subject=source)]))
    # And for a contact with the attribute it renders the value
    real = Contact(tenant_id="t", contact_id="c", email="bo@example.com", attributes={"plan": "pro"})
    assert render(source, contact_context(real), html=False) == "PRO plan"


@pytest.mark.parametrize("nest", ["branch", "split"])
def test_a_broken_template_nested_in_a_branch_or_split_is_rejected_at_apply_time(nest: str) -> None:
    # Given a broken template in an email inside a branch (or a split)
    broken = email("inner", subject="Hi {{ contact.first_name ")
    if nest == "branch":
        nested = branch("b", [broken], event="paid")
    else:
        nested = split("s", variant("a", [broken]), variant("b", []))
    doc = document(steps=[email("welcome"), nested])
    # When the templates are checked / Then it is invalid input naming the inner step
    with pytest.raises(InvalidInput, match="inner"):
        check_templates(doc)
