"""Render throughput of one ~15 KB email, through the path the sender takes, per stage, single process.

Run: .venv/bin/python bench/render_throughput.py

The sender calls rendering.compose.compose (Jinja2 sandbox render of subject and HTML from the template compiled and
CSS-inlined once per template text, signed click/open tracking, the generated text part, the RFC 8058 headers)
and then rendering.message.build_mime (the multipart/alternative bytes). This bench times each stage alone with
the same functions, then the whole: compose + build_mime, emails/s on one core. Times are this process's CPU
time (time.process_time), so a machine shared with other jobs slows the run but not the figures. The cost paid
once per template version in a warm Lambda (compile + css-inline of the source) is printed apart.
"""

import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from emailseq.domain.ports import Contact
from emailseq.domain.steps import EmailContent, EmailStep
from emailseq.rendering import templates
from emailseq.rendering.compose import Tracking, compose
from emailseq.rendering.message import build_mime
from emailseq.rendering.text import html_to_text
from emailseq.rendering.tracking import LinkSigner, TrackedSend, instrument, unsubscribe_headers

STYLE = (
    "<style>body{font-family:Arial,sans-serif;color:#222} .wrap{max-width:600px;margin:0 auto}"
    " h1{font-size:22px;color:#0a3d62} p{line-height:1.5;margin:0 0 12px} a.btn{background:#0a58ca;color:#fff;"
    "padding:10px 16px;border-radius:4px;text-decoration:none} td.cell{padding:8px;border-bottom:1px solid #eee}"
    " td.num{text-align:right} .foot{font-size:12px;color:#777}</style>"
)
PARAGRAPH = (
    "<p>{{ contact.first_name | default('there') }}, here is what changed in {{ contact.plan | default('your plan') }}"
    " this week: faster imports, better segments and <a href='https://example.com/news/{{ loop_index }}'>more</a>."
    " Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore.</p>"
)
ROWS = (
    "<table>{% for item in contact.recent %}<tr><td class='cell'><a href='https://example.com/item/{{ item.id }}'>"
    "{{ item.name }}</a></td><td class='cell num'>{{ item.price }}</td></tr>{% endfor %}</table>"
)
HTML = (
    f"<html><head>{STYLE}</head><body><div class='wrap'><h1>Hello {{{{ contact.first_name }}}}</h1>"
    + PARAGRAPH * 46
    + ROWS
    + "<p><a class='btn' href='https://example.com/start'>Get started</a></p>"
    + "<p class='foot'>You receive this because you signed up at example.com.</p></div></body></html>"
)
STEP = EmailStep(id="weekly", email=EmailContent(subject="{{ contact.first_name }}, your week at Example", html=HTML))
CONTACT = Contact(
    tenant_id="t1",
    contact_id="c1",
    email="ada@example.com",
    first_name="Ada",
    attributes={
        "plan": "pro",
        "recent": [{"id": n, "name": f"Product {n}", "price": f"${n * 3}.00"} for n in range(12)],
    },
)
TRACKING = Tracking(
    signer=LinkSigner("bench-secret" * 4, "https://t.example.com"),
    send=TrackedSend(tenant="t1", contact="c1", sequence="weekly-digest", generation=1, step="weekly"),
    unsubscribe_mailto="unsubscribe@example.com",
)
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def per_second(action: Callable[[], Any], seconds: float = 2.0) -> float:
    """Runs per second of this process's CPU time: per core, and steady on a machine other jobs load."""
    done, started = 0, time.process_time()
    while time.process_time() - started < seconds:
        action()
        done += 1
    return done / (time.process_time() - started)


def once_per_template_ms() -> float:
    """Compile + CSS-inline the template source, as the first send of a template version in a Lambda does."""
    runs = 20
    started = time.process_time()
    for _ in range(runs):
        templates._compiled.cache_clear()
        templates.render(HTML, templates.contact_context(CONTACT), html=True)
    return (time.process_time() - started) / runs * 1000


def main() -> None:
    context = templates.contact_context(CONTACT)
    html = templates.render(HTML, context, html=True)
    tracked = instrument(html, TRACKING.send, TRACKING.signer)
    email = compose(STEP, CONTACT, TRACKING)
    mime = build_mime(email, "Example <news@example.com>", NOW)
    print(
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} (shared); "
        "times are this process's CPU time"
    )
    print(f"template {len(HTML):,} bytes -> rendered HTML {len(html):,} bytes, MIME message {len(mime):,} bytes")
    print(f"once per template version (compile + css-inline): {once_per_template_ms():.1f} ms")
    stages: list[tuple[str, Callable[[], Any]]] = [
        ("subject (sandbox)", lambda: templates.render(STEP.email.subject, context, html=False)),
        ("html (sandbox, inlined)", lambda: templates.render(HTML, context, html=True)),
        ("tracking links + pixel", lambda: instrument(html, TRACKING.send, TRACKING.signer)),
        ("text part from HTML", lambda: html_to_text(tracked)),
        ("unsubscribe headers", lambda: unsubscribe_headers(TRACKING.send, TRACKING.signer, "u@example.com")),
        ("MIME build (bytes)", lambda: build_mime(email, "Example <news@example.com>", NOW)),
    ]
    total_ms = 0.0
    for name, action in stages:
        rate = per_second(action, 1.5)
        total_ms += 1000 / rate
        print(f"  {name:<26} {1000 / rate:7.3f} ms  ({rate:9,.0f}/s)")
    whole = per_second(lambda: build_mime(compose(STEP, CONTACT, TRACKING), "Example <news@example.com>", NOW), 4.0)
    print(f"  {'sum of stages':<26} {total_ms:7.3f} ms")
    print(f"compose + build_mime: {whole:,.0f} emails/s on one core ({1000 / whole:.2f} ms per email)")


if __name__ == "__main__":
    main()
