"""The one HTML escaper: text from data shown as text, never as markup (on markupsafe, which jinja2 brings).

``escape_html`` is for text placed in HTML; ``escape_for_markdown`` also writes
markdown's special characters as entities, for text that a markdown renderer
will read (the evaluator's ``%%prose`` cells, quotes), so that no renderer acts
on them.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

# markdown's special characters, outside the entities markupsafe writes: as entities they read the same but format nothing.
_MARKDOWN_SPECIAL = re.compile(r"&#?\w+;|[*_`\[\]#|~\\]")


def escape_html(text: object) -> Markup:
    """Text as safe HTML (``&``, ``<``, ``>``, quotes escaped).

    >>> str(escape_html('<img src=x onerror="alert(1)">'))
    '&lt;img src=x onerror=&#34;alert(1)&#34;&gt;'
    """
    return escape(str(text))


def escape_for_markdown(text: object) -> str:
    """Text as safe HTML that a markdown renderer also leaves alone.

    >>> escape_for_markdown('<b>bold</b> *claim* [x](y) "# h"')
    '&lt;b&gt;bold&lt;/b&gt; &#42;claim&#42; &#91;x&#93;(y) &#34;&#35; h&#34;'
    """
    return _MARKDOWN_SPECIAL.sub(lambda m: m.group(0) if m.group(0).startswith("&") else f"&#{ord(m.group(0))};", str(escape_html(text)))
