"""Web-service sources: read a source from a URL as well as from a file.

The tourism databases (Apidae, Tourinsoft, LEI) and Geotrek publish their data
through web services. :func:`download` copies one URL into a local file (the
importers then read it like any other file, streaming); :func:`download_pages`
follows a paged JSON API (Geotrek API v2: ``{"count", "next", "results"}``) to its
last page and writes every record into one JSON file.

Only ``http`` and ``https`` URLs are read, with a time-out and a size limit; any
failure is a :class:`SourceFetchError` (a :class:`~poi.errors.SourceFormatError`),
raised before anything is written to the database.

>>> is_url("https://rando.example.fr/api/v2/poi/"), is_url("/tmp/poi.json"), is_url("ftp://x/y")
(True, False, False)
>>> with_query("https://x.fr/api/v2/poi/?format=json", updated_after="2024-05-01")
'https://x.fr/api/v2/poi/?format=json&updated_after=2024-05-01'
"""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlparse, urlunparse

from poi.errors import SourceFormatError
from poi.i18n import gettext as _

#: Largest response read (bytes); a bigger answer stops the import with nothing written.
MAX_BYTES = 200 * 1024 * 1024
#: Seconds to wait for a server before giving up.
TIMEOUT_S = 60
#: Most pages followed through ``next`` links (a loop guard).
MAX_PAGES = 2000
USER_AGENT = "Balise (heritage trails toolkit) urllib"


class SourceFetchError(SourceFormatError):
    """A web-service source could not be read (network, HTTP status, size, bad JSON page)."""


def is_url(value: str | os.PathLike) -> bool:
    """Whether ``value`` is an http(s) URL rather than a path."""
    return isinstance(value, str) and urlparse(value).scheme in ("http", "https") and bool(urlparse(value).netloc)


def with_query(url: str, **params: str) -> str:
    """``url`` with ``params`` added to (or replacing those of) its query string."""
    parts = urlparse(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query += [(k, v) for k, v in params.items() if v not in (None, "")]
    return urlunparse(parts._replace(query=urlencode(query)))


def _open(url: str, *, timeout_s: float):
    if not is_url(url):
        raise SourceFetchError(_("{url}: only http and https URLs can be read", url=url))
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
    try:
        return urllib.request.urlopen(request, timeout=timeout_s)  # noqa: S310 (scheme checked above)
    except urllib.error.HTTPError as e:
        e.close()
        raise SourceFetchError(_("{url}: the server answered {status} {reason}",
                                 url=url, status=e.code, reason=e.reason)) from e
    except (urllib.error.URLError, OSError, ValueError) as e:
        reason = getattr(e, "reason", None) or e
        raise SourceFetchError(_("{url}: cannot be read ({reason}); check the address and the network",
                                 url=url, reason=str(reason))) from e


def fetch_bytes(url: str, *, max_bytes: int = MAX_BYTES, timeout_s: float = TIMEOUT_S) -> bytes:
    """The body of ``url``; :class:`SourceFetchError` when it cannot be read or is too big."""
    with _open(url, timeout_s=timeout_s) as response:
        try:
            body = response.read(max_bytes + 1)
        except OSError as e:
            raise SourceFetchError(_("{url}: cannot be read ({reason}); check the address and the network",
                                     url=url, reason=str(e))) from e
    if len(body) > max_bytes:
        raise SourceFetchError(_("{url}: the answer is larger than {mb} MB; nothing imported",
                                 url=url, mb=max_bytes // (1024 * 1024)))
    return body


def file_name(url: str, default: str = "source.json") -> str:
    """A safe local file name for what ``url`` serves (its last path part, else ``default``).

    >>> file_name("https://x.fr/api/v2/poi/?page=2"), file_name("https://x.fr/export/lei.xml")
    ('source.json', 'lei.xml')
    """
    name = Path(urlparse(url).path).name
    safe = "".join(c for c in name if c.isalnum() or c in "._-").lstrip(".")
    return safe if "." in safe else default


def download(url: str, folder: Path, *, default_name: str = "source.json", max_bytes: int = MAX_BYTES,
             timeout_s: float = TIMEOUT_S) -> Path:
    """Copy ``url`` into ``folder`` and return the local file (named after the URL)."""
    path = Path(folder) / file_name(url, default_name)
    path.write_bytes(fetch_bytes(url, max_bytes=max_bytes, timeout_s=timeout_s))
    return path


def download_pages(url: str, folder: Path, *, name: str = "pages.json", results_key: str = "results",
                   next_key: str = "next", max_bytes: int = MAX_BYTES, timeout_s: float = TIMEOUT_S,
                   max_pages: int = MAX_PAGES) -> tuple[Path, int]:
    """Follow a paged JSON API from ``url`` to its last page; write ``{"results": [...]}`` into ``folder``.

    Returns the file and the number of pages read. A page that is not JSON, a ``next``
    link that goes back to a page already read, or more than ``max_pages`` pages stop
    everything (:class:`SourceFetchError`). ``max_bytes`` bounds the total read.
    """
    results: list = []
    seen: set[str] = set()
    total = 0
    pages = 0
    while url:
        if url in seen or pages >= max_pages:
            raise SourceFetchError(_("{url}: the pages of this service do not end (page {n}); nothing imported",
                                     url=url, n=pages + 1))
        seen.add(url)
        body = fetch_bytes(url, max_bytes=max_bytes - total, timeout_s=timeout_s)
        total += len(body)
        pages += 1
        try:
            page = json.loads(body.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise SourceFetchError(_("{url}: page {n} is not JSON ({reason}); nothing imported",
                                     url=url, n=pages, reason=str(e))) from e
        except RecursionError as e:
            raise SourceFetchError(_("{url}: page {n} is not JSON ({reason}); nothing imported",
                                     url=url, n=pages, reason="nested too deeply")) from e
        if isinstance(page, dict) and isinstance(page.get(results_key), list):
            results.extend(page[results_key])
            url = page.get(next_key) or ""
            if url and not is_url(url):
                raise SourceFetchError(_("{url}: the next page's address is not an http(s) URL", url=url))
        else:
            results.extend(page if isinstance(page, list) else [page])
            url = ""
    path = Path(folder) / name
    path.write_text(json.dumps({"count": len(results), "results": results}, ensure_ascii=False), encoding="utf-8")
    return path, pages


__all__ = ["SourceFetchError", "is_url", "with_query", "fetch_bytes", "download", "download_pages", "file_name"]
