"""Ranking content blocks for a contact in pure Python: cosine of unit float32 vectors, clicked blocks left out,
newest first on ties and without a profile; the profile vector; the URL normalisation clicks are matched by."""

import math
from array import array
from datetime import timedelta

import pytest
from emailseq.domain.content import ContentBlock, ContentProfile, embedding_text, normalise_url
from emailseq.domain.ranking import as_vector, dot, profile_vector, rank
from fakes import T0, TENANT

# Three topics as the axes of a 3-d space: x = email marketing, y = cooking, z = cycling.
EMAIL, COOKING, CYCLING = [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]


def vec(*values: float) -> bytes:
    norm = math.sqrt(sum(v * v for v in values))
    return array("f", (v / norm for v in values)).tobytes()


def block(block_id: str, vector: bytes, age_days: int = 0) -> ContentBlock:
    return ContentBlock(
        tenant_id=TENANT,
        collection="blog",
        block_id=block_id,
        title=block_id.title(),
        url=f"https://example.com/blog/{block_id}",
        summary="",
        tags=(),
        updated_at=T0 - timedelta(days=age_days),
        vector=vector,
    )


def profile(vector: bytes | None, clicked: frozenset[str] = frozenset()) -> ContentProfile:
    return ContentProfile(TENANT, "contact-1", vector=vector, clicked=clicked)


BLOCKS = [
    block("subject-lines", vec(0.9, 0.1, 0.0), age_days=3),
    block("sourdough", vec(0.0, 1.0, 0.1), age_days=1),
    block("gravel-bikes", vec(0.0, 0.1, 1.0), age_days=0),
    block("deliverability", vec(1.0, 0.0, 0.2), age_days=5),
]


def ids(blocks: list[ContentBlock]) -> list[str]:
    return [b.block_id for b in blocks]


def test_the_most_similar_blocks_come_first() -> None:
    # Given a contact into email marketing / When the blog is ranked for it
    ranked = rank(BLOCKS, profile(vec(*EMAIL)), 2)
    # Then the two email-marketing posts come first, the closer one (0.99 vs 0.98) ahead
    assert ids(ranked) == ["subject-lines", "deliverability"]


def test_blocks_the_contact_already_clicked_are_left_out() -> None:
    # Given the email-marketing fan already clicked the subject-lines post
    clicked = frozenset({"blog/subject-lines"})
    # Then it is not recommended again; after the other email post come the two unrelated ones (both score 0,
    # so the newer one first)
    assert ids(rank(BLOCKS, profile(vec(*EMAIL), clicked), 3)) == ["deliverability", "gravel-bikes", "sourdough"]


def test_without_a_profile_the_newest_blocks_come_first() -> None:
    assert ids(rank(BLOCKS, None, 3)) == ["gravel-bikes", "sourdough", "subject-lines"]
    assert ids(rank(BLOCKS, profile(None), 2)) == ["gravel-bikes", "sourdough"]


def test_equal_scores_fall_back_to_the_newest_first() -> None:
    # Given two blocks exactly as similar to a cycling fan (same vector), one older
    twins = [block("old-ride", vec(*CYCLING), age_days=9), block("new-ride", vec(*CYCLING), age_days=2)]
    # Then the newer one comes first
    assert ids(rank(twins, profile(vec(*CYCLING)), 2)) == ["new-ride", "old-ride"]


def test_n_caps_the_list_and_a_small_collection_gives_what_it_has() -> None:
    assert len(rank(BLOCKS, profile(vec(*COOKING)), 10)) == 4
    assert ids(rank(BLOCKS, profile(vec(*COOKING)), 1)) == ["sourdough"]


def test_the_profile_is_the_unit_sum_of_the_interests_and_the_mean_of_the_clicks() -> None:
    # Given interests in cooking and clicks on two cycling posts
    combined = profile_vector(vec(*COOKING), [vec(*CYCLING), vec(0.0, 0.0, 1.0)])
    # Then the profile points half-way between cooking and cycling, at unit length
    assert combined is not None
    values = as_vector(combined)
    assert list(values) == pytest.approx([0.0, math.sqrt(0.5), math.sqrt(0.5)], abs=1e-6)
    assert dot(values, values) == pytest.approx(1.0, abs=1e-6)


def test_no_interests_and_no_clicks_is_no_profile() -> None:
    assert profile_vector(None, []) is None
    assert profile_vector(array("f", [0.0, 0.0, 0.0]).tobytes(), []) is None


def test_interests_alone_and_clicks_alone_each_make_a_profile() -> None:
    assert list(as_vector(profile_vector(vec(*EMAIL), []) or b"")) == pytest.approx(EMAIL)
    assert list(as_vector(profile_vector(None, [vec(*CYCLING), vec(*COOKING)]) or b"")) == pytest.approx(
        [0.0, math.sqrt(0.5), math.sqrt(0.5)], abs=1e-6
    )


def test_vectors_of_different_dimensions_are_refused() -> None:
    with pytest.raises(ValueError, match="3 and 2 dimensions"):
        dot(as_vector(vec(1.0, 0.0, 0.0)), as_vector(vec(1.0, 0.0)))


@pytest.mark.parametrize(
    ("clicked", "block_url"),
    [
        ("https://Example.com/blog/post?utm_source=email#top", "https://example.com/blog/post"),
        ("https://example.com/blog/post/", "https://example.com/blog/post"),
        ("HTTPS://EXAMPLE.COM/blog/post", "https://example.com/blog/post?ref=feed"),
    ],
)
def test_a_clicked_url_matches_its_block_without_query_fragment_or_trailing_slash(clicked: str, block_url: str) -> None:
    assert normalise_url(clicked) == normalise_url(block_url)


def test_the_path_keeps_its_case_and_a_different_path_does_not_match() -> None:
    assert normalise_url("https://example.com/Blog/Post") != normalise_url("https://example.com/blog/post")
    assert normalise_url("https://example.com/blog/a") != normalise_url("https://example.com/blog/b")


def test_the_embedded_text_is_title_summary_and_tags() -> None:
    text = embedding_text(" Sourdough basics ", "Flour, water, salt.", ("baking", "bread"))
    assert text == "Sourdough basics\nFlour, water, salt.\nTopics: baking, bread"
