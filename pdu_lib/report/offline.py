"""Checks that a page loads nothing from the web: every resource and link a page or its CSS refers to."""

import re
from html.parser import HTMLParser
from pathlib import Path

# ---------------------------------------------------------------------------
# Checks used by the tests and by CI


_URL_ATTRIBUTES = {"src", "href", "xlink:href", "poster", "data", "action", "formaction", "background", "srcset", "imagesrcset"}
_NAVIGATION_TAGS = {"a", "area"}
_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"""@import\s+(?:url\(\s*)?(['"]?)([^'");\s]+)\1""", re.IGNORECASE)


class _ReferenceParser(HTMLParser):
    def __init__(self, include_links: bool):
        super().__init__(convert_charrefs=True)
        self.include_links = include_links
        self.refs: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self._tag(tag, attrs)
        if tag == "style":
            self._in_style = True

    def handle_startendtag(self, tag, attrs):
        self._tag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.refs.extend(css_references(data))

    def _tag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            name = name.lower()
            if name == "style":
                self.refs.extend(css_references(value))
            elif name in _URL_ATTRIBUTES:
                if name in ("href", "xlink:href") and tag in _NAVIGATION_TAGS and not self.include_links:
                    continue
                if name in ("srcset", "imagesrcset"):
                    self.refs.extend(srcset_urls(value))
                else:
                    self.refs.append(value.strip())


_SRCSET_URL = re.compile(r"[\s,]*(\S+)")


def srcset_urls(value: str) -> list[str]:
    """The URLs of a srcset: each candidate's first run without spaces (a data: URI holds a comma; a descriptor follows a space).

    >>> srcset_urls("a.png 1x, b.png 2x,c.png")
    ['a.png', 'b.png', 'c.png']
    >>> srcset_urls("data:image/png;base64,iVBO= 480w, https://x/y.png")
    ['data:image/png;base64,iVBO=', 'https://x/y.png']
    """
    urls, position = [], 0
    while (match := _SRCSET_URL.match(value, position)) is not None:
        url, position = match.group(1), match.end()
        if url.endswith(","):
            url = url.rstrip(",")
        else:  # descriptors run to the next comma
            comma = value.find(",", position)
            position = len(value) if comma == -1 else comma + 1
        urls.append(url)
    return urls


def css_references(css: str) -> list[str]:
    """The url() and @import targets of a piece of CSS.

    >>> css_references("@import 'https://x/y.css'; a { background: url(img.png) }")
    ['https://x/y.css', 'img.png']
    """
    found = [(m.start(), m.group(2)) for m in _CSS_IMPORT.finditer(css)]
    found += [(m.start(), m.group(2)) for m in _CSS_URL.finditer(css)]
    seen, refs = set(), []
    for _, ref in sorted(found):
        if ref not in seen:
            seen.add(ref)
            refs.append(ref.strip())
    return refs


def resource_references(html: str, include_links: bool = False) -> list[str]:
    """Every URL the page refers to (src, href, srcset, CSS url() and @import).

    Inline script bodies are JavaScript, not references, and are not read;
    ``<a href>`` links are navigation, not resources, and are left out unless
    ``include_links``. ``data:`` URIs and ``#fragments`` stay on the page and
    are left out.
    """
    parser = _ReferenceParser(include_links)
    parser.feed(html)
    parser.close()
    return [ref for ref in parser.refs if ref and not ref.startswith("#") and not ref.lower().startswith("data:")]


def external_references(html: str, include_links: bool = False) -> list[str]:
    """References that leave the page for the network (``http:``, ``https:``, ``//``).

    >>> external_references('<script src="https://cdn.x/require.js"></script><img src="data:image/png;base64,AA">')
    ['https://cdn.x/require.js']
    >>> external_references('<style>@import url("//fonts.x/css");</style><a href="https://example.org">a link</a>')
    ['//fonts.x/css']
    >>> external_references('<a href="https://example.org">a link</a>', include_links=True)
    ['https://example.org']
    """
    return [ref for ref in resource_references(html, include_links) if re.match(r"^\s*(https?:|//)", ref, re.IGNORECASE)]


def report_size(report_dir: str | Path) -> int:
    """Bytes on disk of a rendered report: its folder, single file included."""
    return sum(path.stat().st_size for path in Path(report_dir).rglob("*") if path.is_file())
