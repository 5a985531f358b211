"""CSS inlining once per template version vs after every render (a ~20 KB email with a style block)."""

import time

import css_inline
from emailseq.rendering.inline import inline_template
from emailseq.rendering.templates import _HTML

ROW = "<tr><td class='cell'><a href='{{ row.url }}'>{{ row.name }}</a></td><td class='num'>{{ row.n }}</td></tr>"
TEMPLATE = (
    "<html><head><style>td.cell{color:#333;padding:8px} td.num{text-align:right} p{margin:0 0 12px}"
    " a{color:#0a58ca}</style></head><body><p>Hi {{ contact.first_name }},</p>" + "<p>Lorem ipsum dolor sit amet, "
    "consectetur adipiscing elit.</p>"
    * 200
    + "<table>{% for row in rows %}"
    + ROW
    + "{% endfor %}</table></body></html>"
)
CONTEXT = {
    "contact": {"first_name": "Ada"},
    "rows": [{"url": f"https://example.com/{i}", "name": f"Item {i}", "n": i} for i in range(40)],
}


def per_second(action: object, seconds: float = 2.0) -> float:
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        action()  # type: ignore[operator]
        done += 1
    return done / (time.perf_counter() - started)


def main() -> None:
    plain, inlined = _HTML.from_string(TEMPLATE), _HTML.from_string(inline_template(TEMPLATE))
    size = len(plain.render(CONTEXT))
    each = per_second(lambda: css_inline.inline(plain.render(CONTEXT)))
    once = per_second(lambda: inlined.render(CONTEXT))
    print(f"email: {size:,} bytes rendered")
    print(f"render + inline every email : {each:8,.0f} emails/s per core")
    print(f"inline once, then render    : {once:8,.0f} emails/s per core  ({once / each:.1f}x)")


if __name__ == "__main__":
    main()
