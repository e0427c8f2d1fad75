"""Small pieces the section notebooks show: a static chart, a chart title that carries its message, labels in running text."""

from __future__ import annotations

import base64
import io

import matplotlib

from pdu_lib.analysis.metrics import Share
from pdu_lib.present import charts, wording
from pdu_lib.present.escape import escape_html


class StaticChart:
    """A matplotlib chart shown as an inline PNG with its title as alt text.

    The PNG is drawn once, with the report's chart style, so the notebook and
    the rendered report show the same picture.
    """

    def __init__(self, fig, title: str) -> None:
        buffer = io.BytesIO()
        with matplotlib.rc_context(charts.STYLE_RC):
            fig.savefig(buffer, format="png", dpi=charts.DPI, metadata={"Software": None})
        self.png = buffer.getvalue()
        self.title = title

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.png).decode("ascii")
        return f'<figure class="pdu-chart"><img src="data:image/png;base64,{data}" alt="{escape_html(self.title)}"></figure>'

    def _repr_png_(self) -> bytes:
        return self.png


def capitalise(text: str) -> str:
    """The first letter upper case, the rest as it is.

    >>> capitalise("word of mouth was most common")
    'Word of mouth was most common'
    """
    return text[:1].upper() + text[1:]


def headline(share: Share, rest: str) -> str:
    """A chart title carrying its message, worded from the number: "Just over half thought ...".

    >>> headline(Share(11, 21), "thought the model very effective")
    'Just over half thought the model very effective'
    """
    return capitalise(f"{wording.share_words(share.numerator, share.base)} {rest}")


def lower_first(label: str) -> str:
    """A label in running text: 'Word of mouth' -> 'word of mouth', but 'PDU newsletter' stays.

    >>> lower_first("Word of mouth"), lower_first("PDU newsletter"), lower_first("Housing")
    ('word of mouth', 'PDU newsletter', 'housing')
    """
    label = str(label)
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]


def list_words(parts: list[str]) -> str:
    """Items joined as a sentence lists them.

    >>> list_words(["housing", "offending", "mental health"])
    'housing, offending and mental health'
    >>> list_words(["housing"]), list_words([])
    ('housing', '')
    """
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]
