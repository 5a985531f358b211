"""CSS inlined into the template source once per template version, with its Jinja kept where the author put it.

Inlining after every render costs about three times the render (css-inline ~0.4 ms per 20 KB email, FACTS), so
it is done once, on the source. The HTML5 parser would move Jinja text it does not expect (`{% for %}` inside a
`<table>` is foster-parented out of it), so every Jinja construct is first swapped for a placeholder the parser
leaves in place: an HTML comment between elements, a plain token inside a tag. A loop over `<tr>` rows then
repeats `<tbody><tr>…` (the parser's implied tbody): several tbody sections, which HTML allows.
"""

import re

import css_inline

_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_COMMENT = re.compile(r"<!--jinja(\d+)-->")
_TOKEN = re.compile(r"jinja(\d+)placeholder")
# The <style> block stays too: media queries cannot be inlined, and clients that read it get the same rules.
_INLINER = css_inline.CSSInliner(load_remote_stylesheets=False, keep_style_tags=True)


def inline_template(source: str) -> str:
    """The template with its `<style>` rules moved into style attributes; unchanged when it has none."""
    if "<style" not in source.lower():
        return source
    kept: list[str] = []
    protected = _JINJA.sub(lambda match: _placeholder(source, match, kept), source)
    inlined = _INLINER.inline(protected)
    inlined = _COMMENT.sub(lambda match: kept[int(match.group(1))], inlined)
    return _TOKEN.sub(lambda match: kept[int(match.group(1))], inlined)


def _placeholder(source: str, match: re.Match[str], kept: list[str]) -> str:
    kept.append(match.group(0))
    number = len(kept) - 1
    before = source[: match.start()]
    inside_a_tag = before.rfind("<") > before.rfind(">")
    return f"jinja{number}placeholder" if inside_a_tag else f"<!--jinja{number}-->"
