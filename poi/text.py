"""Text helpers: HTML sanitising (nh3), plain text as HTML paragraphs, and diacritic folding."""
from __future__ import annotations

import html
import re
import unicodedata

import nh3

#: Tags kept in rich text (descriptions); everything else is stripped, scripts and
#: event handlers never survive.
ALLOWED_TAGS = {"p", "br", "strong", "em", "b", "i", "u", "ul", "ol", "li", "a",
                "h3", "h4", "blockquote", "span"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}

# Text without these characters comes out of nh3 as it went in (checked on every code
# point: only NUL, CR, <, >, &, the no-break space and a leading BOM are rewritten), so the
# common plain-text description skips the HTML parser (an import calls it per POI).
_HTML_SPECIAL = re.compile("[<>&\r\0\xa0\ufeff]")
_TEXT_SPECIAL = re.compile("[<&\0\ufeff]")


def sanitize_html(value: str | None) -> str:
    """Clean rich text down to a small safe subset of HTML.

    >>> sanitize_html('<p onclick="x()">Église<script>alert(1)</script></p>')
    '<p>Église</p>'
    >>> sanitize_html(None)
    ''
    """
    if not value:
        return ""
    if not _HTML_SPECIAL.search(value):
        return value.strip()
    cleaned = nh3.clean(value, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                        url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")
    return cleaned.strip()


def html_to_text(value: str | None) -> str:
    """Plain text of an HTML fragment (entities decoded, whitespace collapsed).

    >>> html_to_text("<p>Ch&acirc;teau&nbsp;<b>fort</b></p>")
    'Château fort'
    """
    if not value:
        return ""
    if _TEXT_SPECIAL.search(value):
        value = html.unescape(nh3.clean(value, tags=set()))
    return " ".join(value.split())  # str.split and re's \s agree on what is blank


def paragraphs(text: str) -> str:
    """Plain text as HTML paragraphs (escaped; line breaks kept).

    >>> paragraphs("Galettes & crêpes\\nSpécialités <maison>\\n\\nOuvert")
    '<p>Galettes &amp; crêpes<br>Spécialités &lt;maison&gt;</p><p>Ouvert</p>'
    """
    blocks = [b.strip() for b in text.replace("\r\n", "\n").split("\n\n") if b.strip()]
    return "".join("<p>" + "<br>".join(html.escape(line.strip(), quote=False)
                                       for line in b.split("\n") if line.strip()) + "</p>"
                   for b in blocks)


def fold(value: str) -> str:
    """Lower-case, diacritics removed: the key used for matching names.

    >>> fold("Église Saint-Étienne")
    'eglise saint-etienne'
    """
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
