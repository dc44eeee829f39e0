"""A phone's first visit stays light: what every page loads, and the trimmed stylesheet.

The timings on a throttled phone are measured by `python -m bench.first_load`
(docs/benchmarks.md); here the weight, which decides them, is checked exactly.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

SOURCES = Path(__file__).resolve().parent.parent / "src" / "campanella"
FULL_CSS = Path(settings.NODE_MODULES) / "bootstrap-italia" / "dist" / "css"
TRIMMED = SOURCES / "static" / "campanella" / "bootstrap-italia.css"
# The login page with everything it loads (HTML, styles, scripts; fonts apart), compressed as
# served. Before the trimming it was ~380 KB (the whole bootstrap-italia stylesheet and script).
FIRST_VISIT_BUDGET = 40_000

WORD = re.compile(r"[A-Za-z0-9_-]+")  # what PurgeCSS's default extractor takes from content
PSEUDO = re.compile(r"::?[a-zA-Z-]+(\([^)]*\))?")
CLASS = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")
TAG = re.compile(r"(?:^|[\s>+~])([a-zA-Z][\w-]*)")


def selectors(css: str) -> set[str]:
    """Every selector of a stylesheet, one per comma, declarations and urls left out."""
    css = re.sub(r"url\([^)]*\)", "", css)
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    return {one.strip() for group in re.findall(r"([^{}@;]+)\{", css) for one in group.split(",")}


def content_words() -> set[str]:
    words: set[str] = set()
    for pattern in ("**/*.html", "**/*.py", "static/campanella/**/*.js"):
        for path in SOURCES.glob(pattern):
            words.update(WORD.findall(path.read_text(encoding="utf-8")))
    return words


def usable(selector: str, words: set[str]) -> bool:
    """A selector whose classes and elements all appear in our sources (as PurgeCSS decides;
    attribute and id selectors are left to it)."""
    if "[" in selector or "#" in selector:
        return False
    bare = PSEUDO.sub(" ", selector)
    classes = CLASS.findall(bare)
    return bool(classes) and all(name in words for name in classes + TAG.findall(bare))


def test_the_trimmed_stylesheet_has_every_rule_the_sources_can_use() -> None:
    full = selectors((FULL_CSS / "bootstrap-italia.min.css").read_text(encoding="utf-8"))
    trimmed = selectors(TRIMMED.read_text(encoding="utf-8"))
    words = content_words()
    missing = sorted(selector for selector in full if usable(selector, words))
    missing = [selector for selector in missing if selector not in trimmed]
    assert not missing, (
        "bootstrap-italia.css non è aggiornato: le pagine usano regole che non contiene "
        f"({', '.join(missing[:10])}…). Eseguire `npm run build:css`."
    )
    # The visible focus ring of keyboard users, a selector PurgeCSS alone would drop.
    assert ":focus:not([data-focus-mouse=true])" in trimmed
    # And it is trimmed: most of bootstrap-italia is components no page shows.
    assert len(trimmed) < len(full) / 4


def static_file(url: str) -> Path:
    assert url.startswith(settings.STATIC_URL), url
    found = finders.find(url.removeprefix(settings.STATIC_URL))
    assert found, f"file statico mancante: {url}"
    return Path(str(found))


def compressed_size(content: bytes) -> int:
    return len(gzip.compress(content, compresslevel=9))


@pytest.mark.django_db
def test_the_first_visit_of_the_login_page_is_light() -> None:
    response = Client().get("/accedi/")
    html = response.content.decode()
    assets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assets += re.findall(r'<script src="([^"]+)"', html)
    assert assets, "la pagina non carica né stili né script?"
    sizes = {url: compressed_size(static_file(url).read_bytes()) for url in assets}
    total = compressed_size(response.content) + sum(sizes.values())
    assert total < FIRST_VISIT_BUDGET, f"{total:,} byte compressi: {sizes}"
    assert not any("bootstrap-italia.bundle" in url for url in assets)
    assert not any("htmx" in url for url in assets), "htmx solo dove una pagina lo usa"


def templates() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in SOURCES.glob("**/templates/**/*.html"):
        name = str(path.relative_to(next(p for p in path.parents if p.name == "templates")))
        found[name] = path.read_text(encoding="utf-8")
    return found


def test_every_page_using_htmx_loads_it() -> None:
    """htmx is no longer on every page: a template with hx- attributes must load it, itself or
    through the page that includes it (or a page it extends)."""
    texts = templates()

    def loads_htmx(name: str, seen: frozenset[str] = frozenset()) -> bool:
        text = texts[name]
        if "htmx/htmx.min.js" in text:
            return True
        parents = re.findall(r'{%\s*extends\s+"([^"]+)"', text)
        includers = [other for other, body in texts.items() if f'"{name}"' in body]
        return any(
            loads_htmx(other, seen | {name})
            for other in [*parents, *includers]
            if other in texts and other not in seen and other != "base.html"
        )

    using = [name for name, text in texts.items() if re.search(r"\bhx-[a-z]+=", text)]
    assert using, "nessun template usa htmx? il controllo non controllerebbe nulla"
    assert [name for name in using if not loads_htmx(name)] == []


def test_no_inline_styles_are_allowed() -> None:
    assert settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["style-src"] == ["'self'"]
