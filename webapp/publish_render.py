"""How ``balise publish`` (:mod:`webapp.publish`) names what it makes, makes it repeatable, and makes it in parallel.

- :func:`digest` makes the keys of the parts of the site (what a part is made of); :func:`code_digest` is the
  part of every key that changes with the code and templates;
- :func:`stable_names` and :func:`stable_pdf` take out what changes at each rendering of the same content
  (folium's random element names, a CSP nonce, a PDF's creation date): a part rendered again without a change
  gives the same bytes, so the same file (nothing to upload again);
- :func:`run_jobs` makes the parts whose key changed: in the publishing process when they are few (an
  incremental publish), else in a pool of ``os.cpu_count()`` processes forked from it, each with its own
  connection to the database, that keep the files in the content store and send back their names.
"""
from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import multiprocessing
import os
import re
import time
from pathlib import Path

from poi.resources import resource
from poi.store import PoiStore

#: What the site is rendered with (packages, and resources of :func:`poi.resources.resource`): a change in
#: any of them re-renders everything.
CODE_PACKAGES = ("webapp", "exporter", "trails", "poi")
CODE_RESOURCES = ("templates", "static", "locales")


@contextlib.contextmanager
def gc_paused():
    """No cyclic garbage collection inside: reading the manifest and the memo of a large site makes millions of
    objects and no cycle, and each collection would walk them all (a third of an incremental publish at 10,000
    circuits)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def json_dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def digest(*parts) -> str:
    """A key: the SHA-256 of the ``repr`` of ``parts`` (plain data: strings, numbers, lists, dicts...), one hash
    per key (a publish makes one per page of the site).

    >>> digest("site", 3, [1, 2]) == digest("site", 3, [1, 2]) != digest("site", 3, [2, 1])
    True
    """
    return hashlib.sha256(repr(parts).encode("utf-8", "surrogatepass")).hexdigest()


#: The names folium gives a map's elements (``map_<32 hex digits>``, random at each rendering).
FOLIUM_NAME = re.compile(r"\b([a-z][a-z0-9_]*?)_([0-9a-f]{32})\b")
NONCE = re.compile(r'(?<=\bnonce=")[^"]*(?=")|(?<=\'nonce-)[^\']*(?=\')')  # an attribute, a (meta) CSP source
PDF_DATE = re.compile(rb"/(CreationDate|ModDate) \(D:\d{14}Z\)")


def stable_names(html: str) -> str:
    """``html`` with folium's random element names numbered in order of appearance, so that rendering an
    unchanged page again gives the same bytes (and the same file: nothing to upload again).

    >>> stable_names('<div id="map_0a1b2c3d4e5f60718293a4b5c6d7e8f9"></div> L.map("map_0a1b2c3d4e5f60718293a4b5c6d7e8f9")')
    '<div id="map_00000000000000000000000000000001"></div> L.map("map_00000000000000000000000000000001")'
    """
    seen: dict[str, int] = {}
    html = FOLIUM_NAME.sub(lambda m: f"{m.group(1)}_{seen.setdefault(m.group(2), len(seen) + 1):032x}", html)
    nonces = set(NONCE.findall(html))  # a page's CSP nonce (the embed widget): no header carries it on a static host
    if nonces:
        stable = hashlib.sha256(NONCE.sub("", html).encode()).hexdigest()[:22]
        html = NONCE.sub(stable, html)
    return html


def stable_pdf(data: bytes, when: str) -> bytes:
    """A PDF whose creation date is ``when`` (the circuit's last change, ISO 8601) instead of now, so that an
    unchanged poster gives the same bytes; the date keeps its length (the offsets of the file stay right)."""
    digits = re.sub(r"\D", "", when)[:14]
    if len(digits) != 14:
        return data
    return PDF_DATE.sub(lambda m: b"/" + m.group(1) + b" (D:" + digits.encode() + b"Z)", data)


def code_digest() -> str:
    """A digest of the code and templates the site is rendered with."""
    import importlib

    folders = [Path(importlib.import_module(name).__file__).parent for name in CODE_PACKAGES]
    h = hashlib.sha256()
    for folder in [*folders, *(resource(name) for name in CODE_RESOURCES)]:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                h.update(str(path.relative_to(folder)).encode())
                h.update(path.read_bytes())
    return h.hexdigest()


#: The publisher (``webapp.publish._Publisher``) a worker of :func:`run_jobs` inherits (``fork``), and the fewest
#: parts worth one more worker.
_WORKER = None
MIN_JOBS_PER_WORKER = 100


def _worker_start() -> None:
    """A worker's own connection to the database (none is shared across ``fork``) in its own app context."""
    import threading

    from webapp import db

    publisher = _WORKER
    publisher.app.extensions["balise_db"] = threading.local()
    publisher.app.app_context().push()
    publisher.app.test_request_context("/", base_url="http://publish.invalid/").push()
    publisher.store = db.trails()
    publisher.pois = PoiStore(db.get_db())


def run_jobs(publisher, jobs: list[tuple]) -> tuple[int, dict[str, float]]:
    """Make each part ``(target, key, function, arguments)`` of ``jobs`` into ``publisher.build``; returns the
    number of worker processes (1: none) and the seconds spent by kind of part (the target's name up to ``:``)."""
    global _WORKER
    spent: dict[str, float] = {}
    workers = min(os.cpu_count() or 1, len(jobs) // MIN_JOBS_PER_WORKER)
    if workers < 2:
        for index in range(len(jobs)):
            name, key, files, seconds = _make(publisher, jobs, index)
            spent[name.partition(":")[0]] = spent.get(name.partition(":")[0], 0.0) + seconds
        return 1, spent
    _WORKER = publisher
    try:
        with multiprocessing.get_context("fork").Pool(workers, initializer=_worker_start) as pool:
            for name, key, files, seconds in pool.imap_unordered(_worker_job, range(len(jobs)), chunksize=4):
                publisher.build.adopt(name, key, files)
                spent[name.partition(":")[0]] = spent.get(name.partition(":")[0], 0.0) + seconds
    finally:
        _WORKER = None
    return workers, spent


def _make(publisher, jobs: list[tuple], index: int) -> tuple[str, str, dict, float]:
    started = time.perf_counter()
    name, key, produce, args = jobs[index]
    publisher.build.put(name, key, produce(*args))
    return name, key, publisher.build.targets[name]["files"], time.perf_counter() - started


def _worker_job(index: int) -> tuple[str, str, dict[str, str], float]:
    name, key, files, seconds = _make(_WORKER, _WORKER.jobs, index)
    _WORKER.build.targets.pop(name)
    return name, key, files, seconds


