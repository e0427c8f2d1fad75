"""Small pieces the section notebooks show: a static chart, a chart title that carries its message, labels in running text."""

from __future__ import annotations

import base64

from pdu_lib.analysis.metrics import Share
from pdu_lib.config import TEMPLATES_DIR
from pdu_lib.present import charts, wording


def _environment():
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True, undefined=jinja2.StrictUndefined)


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


class StaticChart:
    """A matplotlib chart shown as an inline PNG with its title as alt text, and a narrow drawing for phones.

    The PNGs are drawn once, with the report's chart style, so the notebook and
    the rendered report show the same picture. Below :data:`charts.PHONE_MEDIA`'s
    width the page shows the narrow drawing (:func:`charts.narrow_figure`), whose
    text stays legible on a 320 px screen; print and the Word copy use the wide one.
    """

    def __init__(self, fig, title: str) -> None:
        self.png = charts.chart_png(fig)
        self.narrow_png = charts.chart_png(charts.narrow_figure(fig))
        self.title = title

    def _repr_html_(self) -> str:
        return (
            _environment()
            .get_template("pdu_chart.html.j2")
            .render(png=_data_uri(self.png), narrow_png=_data_uri(self.narrow_png), phone_media=charts.PHONE_MEDIA, title=self.title)
        )

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
