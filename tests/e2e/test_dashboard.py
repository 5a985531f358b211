"""The dashboard in a real browser (Debian's Chromium, headless, driven by Playwright) against the local stack.

Screenshots of every page go to tests/e2e/artifacts/ (git-ignored): the graph and the funnel in them are drawn from
the stack's own data. Skipped, with the reason, where Chromium is not installed (`make setup` installs it as root).
"""

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.support.local_stack import ROOT, LocalStack, cli

ARTIFACTS = Path(ROOT) / "tests" / "e2e" / "artifacts"
CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (make setup installs it as root)")
# Waits are for the stack (cold functions on a loaded machine), not for the page: generous, and polled.
expect.set_options(timeout=30_000)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 900})  # a laptop screen
    opened = context.new_page()
    opened.set_default_timeout(20_000)
    yield opened
    shot(opened, "last")  # where the page was when the test ended (the one to look at when it failed)
    context.close()


def dashboard_url() -> str:
    env = dict(line.split("=", 1) for line in cli("local", "env").stdout.splitlines() if "=" in line)
    assert env["EMAILSEQ_DASHBOARD_URL"], "the local stack printed no dashboard URL"
    return env["EMAILSEQ_DASHBOARD_URL"]


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def edit_subject(page: Page, old: str, new: str) -> None:
    document = page.locator("#document")
    text = document.input_value()
    assert old in text
    document.fill(text.replace(old, new))


def test_a_marketer_edits_the_demo_sequence_and_watches_an_event_arrive(
    stack: LocalStack, page: Page, unique: str, write_sequence: Any
) -> None:
    # Given a tenant with the demo sequence (its own tenant: tests never change the demo tenant's)
    tenant = f"dash{unique}"
    token = cli("tokens", "create", "--tenant", tenant).stdout.strip()
    as_tenant = (stack.api_url, token)
    cli("sequences", "apply", str(ROOT / "examples" / "demo-sequence.yaml"), as_tenant=as_tenant)
    # When the marketer logs in with the token
    page.goto(dashboard_url())
    shot(page, "1-login")
    page.get_by_label("Tenant token").fill(token)
    page.get_by_role("button", name="Log in").click()
    # Then the sequences page lists the demo, active
    row = page.get_by_role("row", name=re.compile("Demo welcome"))
    expect(row).to_contain_text("active")
    expect(page.locator("#live-state")).to_have_text("online")
    shot(page, "2-sequences")
    # When they open it: the graph shows the trigger, both emails, the wait and the goal
    page.get_by_role("link", name="Demo welcome").click()
    graph = page.locator("#graph")
    expect(graph.locator(".node.email")).to_have_count(2)
    expect(graph.locator(".node.wait")).to_contain_text("wait 2d")
    expect(graph.locator(".node.trigger")).to_contain_text("demo.started")
    expect(page.locator(".goal")).to_contain_text("demo.converted")
    # And a broken edit is refused with the API's field and reason
    edit_subject(page, '"wait": "2d"', '"wait": "soon"')
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#outcome ul.errors")).to_contain_text("steps[1]")
    # When they edit a subject and save (Ctrl+Enter)
    edit_subject(page, '"wait": "soon"', '"wait": "2d"')
    edit_subject(page, "How is it going?", f"How is it going, {unique}?")
    page.locator("#document").press("Control+Enter")
    expect(page.locator("#outcome")).to_contain_text("Saved as version 2")
    expect(graph.locator(".node.email").nth(1)).to_contain_text(f"How is it going, {unique}?")
    # And an event is sent from the CLI
    email = f"ada-{unique}@example.com"
    cli("events", "send", "demo.started", "--email", email, "--attr", "first_name=Ada", as_tenant=as_tenant)
    # Then the funnel, fed by the live feed, counts the enrollment and the send
    funnel = page.locator("#funnel")
    expect(funnel.locator("[data-kind=enrolled] .value")).to_have_text("1", timeout=45_000)
    expect(funnel.locator("[data-kind=sent] .value").first).to_have_text("1", timeout=45_000)
    shot(page, "3-sequence-graph-and-funnel")
    # And the live feed shows the send
    page.get_by_role("link", name=re.compile("Live feed")).click()
    expect(page.locator('#feed li[data-type="email.sent"]')).to_contain_text("demo-welcome")
    shot(page, "4-live-feed")
    # And the contact's timeline shows its enrollment
    page.get_by_role("link", name="Contacts").click()
    page.get_by_label("Find a contact by email").fill(email)
    page.get_by_role("button", name="Look up").click()
    expect(page.locator("#timeline")).to_contain_text("Enrolled in demo-welcome")
    shot(page, "5-contact-timeline")
    # And, locally, the outbox shows the email rendered
    page.get_by_role("link", name="Outbox").click()
    ours = page.locator(".outbox-message", has_text=email)
    expect(ours).to_contain_text("Welcome, Ada")
    expect(ours.frame_locator("iframe.mail").locator("body")).to_contain_text("Hi Ada!")
    shot(page, "6-outbox")
