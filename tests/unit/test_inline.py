"""CSS inlined into the template source once, with the Jinja kept in place."""

from emailseq.rendering.inline import inline_template
from emailseq.rendering.templates import render

TEMPLATE = (
    "<html><head><style>td{color:red} .x{font-weight:bold} p{margin:0}</style></head><body>"
    "<p>Hi {{ contact.first_name }}</p>"
    "<table>{% for row in rows %}<tr><td class='x'><a href='{{ row.url }}'>{{ row.name }}</a></td></tr>{% endfor %}"
    "</table></body></html>"
)


def test_a_template_without_a_style_block_is_left_as_it_is() -> None:
    source = "<p>Hi {{ contact.first_name }}</p>{% if x %}<b>x</b>{% endif %}"
    assert inline_template(source) == source


def test_styles_move_into_attributes_and_the_jinja_stays_where_it_was() -> None:
    # Given a template with a style block and a loop over table rows
    inlined = inline_template(TEMPLATE)
    # Then the rules are in style attributes (the <style> block stays for media queries)
    assert 'style="margin: 0;"' in inlined
    # And the loop is still inside the table, around the rows (not moved out by the HTML parser)
    assert inlined.index("<table>") < inlined.index("{% for row in rows %}") < inlined.index("<tr>")
    assert inlined.index("</tr>") < inlined.index("{% endfor %}") < inlined.index("</table>")
    # And the expressions in attributes and text are intact
    assert 'href="{{ row.url }}"' in inlined
    assert "{{ row.name }}" in inlined


def test_the_inlined_template_renders_every_row_styled() -> None:
    rows = [{"url": "https://example.com/a", "name": "A"}, {"url": "https://example.com/b", "name": "B"}]
    html = render(TEMPLATE, {"contact": {"first_name": "Ada"}, "rows": rows}, html=True)
    assert html.count('style="color: red;font-weight: bold;"') == 2
    assert 'href="https://example.com/a"' in html
    assert 'href="https://example.com/b"' in html
    assert '<p style="margin: 0;">Hi Ada</p>' in html
    assert html.index("<table>") < html.index(">A<") < html.index(">B<") < html.index("</table>")
