"""Content recommendations with the fakes: blocks put through the content use cases, profiles kept from
enrollments and clicks, and `recommend(collection, n)` in templates (checked at apply, tracked when sent)."""

from array import array
from dataclasses import replace

import pytest
from builders import contact, document, email, email_step
from emailseq.domain.content import MAX_BLOCKS_PER_COLLECTION, embedding_text
from emailseq.domain.errors import Conflict, InvalidInput, NotFound
from emailseq.logic.content import BlockText, ContentPorts, delete_block, list_blocks, put_block
from emailseq.logic.deliverability import Outbound
from emailseq.logic.preview import PreviewPorts, preview_and_check
from emailseq.logic.recommendations import (
    ContactRecommendations,
    ContentSource,
    ProfilePorts,
    contact_enrolled,
    link_clicked,
)
from emailseq.rendering.compose import Tracking, compose
from emailseq.rendering.recommend import RecommendError, sample_recommend
from emailseq.rendering.templates import check_templates
from emailseq.rendering.tracking import LinkSigner, TrackedSend
from fakes import (
    TENANT,
    TRACKING_BASE,
    TRACKING_SECRET,
    FakeClock,
    FakeContentBlocks,
    FakeContentProfiles,
    FakeTenantSettings,
    FakeTextEmbedder,
    World,
)

POSTS = {  # block id → (title, summary, hand-written vector: x = email marketing, y = cooking, z = cycling)
    "subject-lines": ("Subject lines that get opened", "Five patterns.", [0.95, 0.05, 0.0]),
    "sourdough": ("Sourdough for beginners", "Flour, water, salt.", [0.0, 1.0, 0.0]),
    "gravel": ("Choosing a gravel bike", "Tyres and gears.", [0.0, 0.0, 1.0]),
    "deliverability": ("Deliverability in 2025", "SPF, DKIM, DMARC.", [0.8, 0.0, 0.2]),
}
INTERESTS = "email marketing"
LOOP = "{% for b in recommend('blog', 2) %}<a href=\"{{ b.url }}\">{{ b.title }}</a>{% endfor %}"


def unit(values: list[float]) -> list[float]:
    norm = sum(v * v for v in values) ** 0.5
    return [v / norm for v in values]


@pytest.fixture
def blocks() -> FakeContentBlocks:
    return FakeContentBlocks()


@pytest.fixture
def profiles() -> FakeContentProfiles:
    return FakeContentProfiles()


@pytest.fixture
def embedder() -> FakeTextEmbedder:
    vectors = {embedding_text(title, summary, ()): unit(v) for title, summary, v in POSTS.values()}
    return FakeTextEmbedder({**vectors, INTERESTS: [1.0, 0.0, 0.0]})


def published(blocks: FakeContentBlocks, embedder: FakeTextEmbedder, clock: FakeClock | None = None) -> None:
    """The four posts PUT through the content use case, one a minute, in POSTS order."""
    clock = clock or FakeClock()
    ports = ContentPorts(blocks, embedder, clock)
    for block_id, (title, summary, _) in POSTS.items():
        put_block(ports, TENANT, "blog", block_id, BlockText(title, f"https://acme.test/blog/{block_id}", summary, ()))
        clock.advance(minutes=1)


# -- the content use cases ---------------------------------------------------------------------------------------------


def test_a_put_block_is_embedded_from_its_title_summary_and_tags_and_listed_newest_first(blocks, embedder) -> None:
    published(blocks, embedder)
    stored = blocks.get(TENANT, "blog", "sourdough")
    assert stored is not None
    assert list(array("f", stored.vector)) == pytest.approx([0.0, 1.0, 0.0])
    assert embedder.embedded[1] == "Sourdough for beginners\nFlour, water, salt."
    listed = list_blocks(ContentPorts(blocks, embedder, FakeClock()), TENANT, "blog")
    assert [b.block_id for b in listed] == ["deliverability", "gravel", "sourdough", "subject-lines"]


def test_a_second_put_replaces_the_block_and_says_it_was_not_new(blocks, embedder) -> None:
    ports = ContentPorts(blocks, embedder, FakeClock())
    title, summary, _ = POSTS["gravel"]
    text = BlockText(title, "https://acme.test/blog/gravel", summary, ())
    assert put_block(ports, TENANT, "blog", "gravel", text)[1] is True
    assert put_block(ports, TENANT, "blog", "gravel", text)[1] is False
    assert len(blocks.blocks) == 1


def test_a_full_collection_refuses_a_new_block_but_takes_a_replacement(blocks, embedder) -> None:
    # Given a collection already holding the most blocks it may
    title, summary, _ = POSTS["gravel"]
    text = BlockText(title, "https://acme.test/blog/gravel", summary, ())
    ports = ContentPorts(blocks, embedder, FakeClock())
    put_block(ports, TENANT, "blog", "gravel", text)
    stored = blocks.get(TENANT, "blog", "gravel")
    for number in range(1, MAX_BLOCKS_PER_COLLECTION):
        blocks.put(replace(stored, block_id=f"b{number}"))
    # When one more is put / Then it is refused, saying why; replacing one of them still works
    with pytest.raises(Conflict, match="already has 500 blocks"):
        put_block(ports, TENANT, "blog", "one-more", text)
    assert put_block(ports, TENANT, "blog", "b7", text)[1] is False


def test_deleting_a_missing_block_is_not_found(blocks, embedder) -> None:
    with pytest.raises(NotFound):
        delete_block(ContentPorts(blocks, embedder, FakeClock()), TENANT, "blog", "nope")


# -- the contact's profile ---------------------------------------------------------------------------------------------


def profile_ports(blocks: FakeContentBlocks, profiles: FakeContentProfiles, embedder: FakeTextEmbedder) -> ProfilePorts:
    return ProfilePorts(blocks, profiles, embedder)


def test_an_enrollment_seeds_the_profile_from_the_interests_attribute(blocks, profiles, embedder) -> None:
    profiles.contact_interests[(TENANT, "contact-1")] = INTERESTS
    assert contact_enrolled(profile_ports(blocks, profiles, embedder), TENANT, "contact-1") is True
    stored = profiles.profiles[(TENANT, "contact-1")]
    assert list(array("f", stored.vector or b"")) == pytest.approx([1.0, 0.0, 0.0])
    assert stored.clicked == frozenset()


def test_an_enrollment_without_interests_keeps_no_profile(blocks, profiles, embedder) -> None:
    assert contact_enrolled(profile_ports(blocks, profiles, embedder), TENANT, "contact-1") is False
    assert profiles.profiles == {}
    assert embedder.embedded == []


def test_a_click_on_a_block_joins_the_profile_once_even_when_redelivered(blocks, profiles, embedder) -> None:
    # Given the posts, and a contact with no profile yet
    published(blocks, embedder)
    ports = profile_ports(blocks, profiles, embedder)
    # When she clicks the sourdough post (its URL as tracked, with UTM tags) and the event comes twice
    url = "https://acme.test/blog/sourdough?utm_source=emailseq#comments"
    assert link_clicked(ports, TENANT, "contact-1", url) is True
    assert link_clicked(ports, TENANT, "contact-1", url) is False
    # Then her profile is that post's vector, it is marked clicked, and it was written once
    stored = profiles.profiles[(TENANT, "contact-1")]
    assert stored.clicked == frozenset({"blog/sourdough"})
    assert list(array("f", stored.vector or b"")) == pytest.approx([0.0, 1.0, 0.0])
    assert stored.version == 1


def test_a_click_on_a_link_that_is_no_block_changes_nothing(blocks, profiles, embedder) -> None:
    published(blocks, embedder)
    ports = profile_ports(blocks, profiles, embedder)
    assert link_clicked(ports, TENANT, "contact-1", "https://acme.test/pricing") is False
    assert link_clicked(ports, TENANT, "contact-1", None) is False
    assert profiles.profiles == {}


def test_a_lost_race_is_retried_and_a_contact_that_keeps_changing_fails_the_record(blocks, profiles, embedder) -> None:
    published(blocks, embedder)
    ports = profile_ports(blocks, profiles, embedder)
    profiles.refuse_saves = 1
    assert link_clicked(ports, TENANT, "contact-1", "https://acme.test/blog/gravel") is True
    profiles.refuse_saves = 3
    with pytest.raises(Conflict, match="will be retried"):
        link_clicked(ports, TENANT, "contact-1", "https://acme.test/blog/sourdough")
    assert profiles.profiles[(TENANT, "contact-1")].clicked == frozenset({"blog/gravel"})


# -- recommend() for one email -----------------------------------------------------------------------------------------


def test_recommend_ranks_by_the_profile_and_leaves_clicked_posts_out(blocks, profiles, embedder) -> None:
    # Given an email-marketing fan who clicked the subject-lines post
    published(blocks, embedder)
    profiles.contact_interests[(TENANT, "contact-1")] = INTERESTS
    ports = profile_ports(blocks, profiles, embedder)
    contact_enrolled(ports, TENANT, "contact-1")
    link_clicked(ports, TENANT, "contact-1", "https://acme.test/blog/subject-lines")
    # When an email to her recommends two blog posts
    recommend = ContactRecommendations(ContentSource(blocks, profiles), TENANT, "contact-1")
    # Then deliverability (the other email post) comes first, subject-lines is left out
    assert [b["id"] for b in recommend("blog", 2)] == ["deliverability", "sourdough"]
    assert recommend("blog", 1)[0] == {
        "id": "deliverability",
        "title": "Deliverability in 2025",
        "url": "https://acme.test/blog/deliverability",
        "summary": "SPF, DKIM, DMARC.",
    }


def test_recommend_reads_nothing_until_called_and_each_thing_once(blocks, profiles, embedder) -> None:
    published(blocks, embedder)
    recommend = ContactRecommendations(ContentSource(blocks, profiles), TENANT, "contact-1")
    reads_before = blocks.collection_reads
    compose(email_step("Hi", "<p>No recommendations here</p>"), contact("Ada"), recommend=recommend)
    assert (blocks.collection_reads - reads_before, profiles.reads) == (0, 0)
    for _ in range(3):
        assert [b["id"] for b in recommend("blog", 2)] == ["deliverability", "gravel"]  # no profile: newest first
    assert (blocks.collection_reads - reads_before, profiles.reads) == (1, 1)


@pytest.mark.parametrize(
    ("collection", "n", "reason"),
    [("blog", 0, "from 1 to 10, got 0"), ("blog", 11, "got 11"), ("blog", "3", "got '3'"), ("Blog!", 3, "collection")],
)
def test_recommend_refuses_a_bad_call_saying_how_to_call_it(collection, n, reason) -> None:
    with pytest.raises(RecommendError, match=reason):
        sample_recommend(collection, n)


# -- templates ---------------------------------------------------------------------------------------------------------


def test_a_sequence_using_recommend_passes_the_apply_time_check() -> None:
    check_templates(document(steps=[email("digest", "Picked for you", f"<p>{LOOP}</p>", "{{ recommend('blog', 1) }}")]))


def test_a_template_calling_recommend_wrongly_is_rejected_naming_the_step_and_the_reason() -> None:
    steps = [email("digest", "Picked for you", "{% for b in recommend('blog', 50) %}{{ b.title }}{% endfor %}")]
    with pytest.raises(InvalidInput) as raised:
        check_templates(document(steps=steps))
    assert raised.value.field == "steps[0].email.html"
    assert "step 'digest'" in raised.value.reason
    assert "n must be a whole number from 1 to 10, got 50" in raised.value.reason


def test_a_preview_shows_the_deterministic_sample_blocks() -> None:
    html = compose(email_step("Hi", LOOP), contact("Ada")).html
    assert html == (
        '<a href="https://example.com/blog/sample-1">Sample blog item 1</a>'
        '<a href="https://example.com/blog/sample-2">Sample blog item 2</a>'
    )


def test_recommended_links_go_through_click_tracking_like_any_other(blocks, profiles, embedder) -> None:
    # Given the posts and an email recommending two of them, sent with tracking
    published(blocks, embedder)
    signer = LinkSigner(TRACKING_SECRET, TRACKING_BASE)
    send = TrackedSend(TENANT, "contact-1", "digest", 0, "step")
    recommend = ContactRecommendations(ContentSource(blocks, profiles), TENANT, "contact-1")
    html = compose(email_step("Hi", LOOP), contact("Ada"), Tracking(signer, send, "u@example.com"), recommend).html
    # Then each recommended post's link is a signed click redirect to it
    hrefs = [part.split('"', 1)[0] for part in html.split('href="')[1:]]
    assert len(hrefs) == 2
    assert all(href.startswith(f"{TRACKING_BASE}/t/c/") for href in hrefs)
    targets = [signer.verify(href.rsplit("/", 1)[1]).url for href in hrefs]
    assert targets == ["https://acme.test/blog/deliverability", "https://acme.test/blog/gravel"]


def test_a_preview_for_a_real_contact_shows_its_own_recommendations(blocks, profiles, embedder) -> None:
    # Given the posts, Ada (an email-marketing fan) and a sequence recommending two posts
    published(blocks, embedder)
    profiles.contact_interests[(TENANT, "contact-1")] = INTERESTS
    contact_enrolled(ProfilePorts(blocks, profiles, embedder), TENANT, "contact-1")
    world = World()
    doc = document(steps=[email("digest", "Picked for you", LOOP)])
    world.given_sequence(doc)
    world.contacts.add(contact("Ada"))
    outbound = Outbound("news@example.com", TRACKING_BASE, "u@example.com")
    ports = PreviewPorts(world.sequences, world.contacts, FakeTenantSettings(), world.clock, None, outbound)
    with_content = replace(ports, content=ContentSource(blocks, profiles))
    # When her step is previewed as her / Then she sees the two email posts; without an address, the samples
    shown = preview_and_check(with_content, TENANT, doc.id, "digest", "ada@example.com", check=False).email.html
    assert "Subject lines that get opened" in shown
    assert "Deliverability in 2025" in shown
    assert "Sourdough" not in shown
    sample = preview_and_check(with_content, TENANT, doc.id, "digest", None, check=False).email.html
    assert "Sample blog item 1" in sample
