"""How many uploads are decoded or parsed at once: a few slots per kind of sender, so that memory stays bounded.

An uploaded photo is decoded in memory (up to ``FEEDBACK_PHOTO_DECODE_MB`` for a visitor's, 400 MB for a
staff member's: :data:`poi.media.MAX_DECODED_BYTES`), a GPX is parsed whole. Each pool of slots lets at
most ``size`` of them run at once; the next ones wait up to :data:`SLOT_WAIT_S`, then get a 503 with
``Retry-After`` and nothing is stored.

- ``feedback``: visitors' photos, ``FEEDBACK_PHOTO_SLOTS`` (default 2), taken while the photo is decoded
  (:func:`webapp.feedback.store_photo`);
- ``editor``: staff uploads (a POI's photo or audio file, a new trail's GPX), ``EDITOR_UPLOAD_SLOTS``
  (default 2), taken for the whole POST of the endpoints of :data:`STAFF_UPLOADS` by a logged-in user
  (an anonymous one is sent to the login page without taking one).

>>> from poi.i18n import language
>>> with upload_slot("doc", 1, "busy"):
...     try:
...         with language("en"), upload_slot("doc", 1, "busy: send it again in a minute", wait_s=0.01):
...             pass
...     except UploadBusy as e:
...         print(e.code, e.description, e.retry_after)
503 busy: send it again in a minute 10
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

from flask import Flask, current_app, g, render_template, request
from werkzeug.exceptions import ServiceUnavailable

from poi.i18n import gettext as _

#: How long an upload waits for a free slot before the sender is asked to send it again (503) ...
SLOT_WAIT_S = 10
#: ... and in how many seconds (``Retry-After``).
RETRY_AFTER_S = 10
#: Staff endpoints whose POST carries an upload decoded or parsed in memory.
STAFF_UPLOADS = frozenset({"editor.poi_media", "editor.new_trail"})

_POOLS: dict[tuple[str, int], threading.BoundedSemaphore] = {}
_POOLS_LOCK = threading.Lock()


class UploadBusy(ServiceUnavailable):
    """Every slot of the pool stayed busy: 503, with ``Retry-After``."""


def pool(name: str, size: int) -> threading.BoundedSemaphore:
    """The semaphore of the pool ``name`` of ``size`` slots (one per name and size, shared by the threads)."""
    with _POOLS_LOCK:
        return _POOLS.setdefault((name, size), threading.BoundedSemaphore(size))


def take(name: str, size: int, message: str, *, wait_s: float | None = None) -> threading.BoundedSemaphore:
    """One slot of the pool ``name`` (give it back with ``.release()``); :class:`UploadBusy` (``message``) after
    ``wait_s`` seconds (default :data:`SLOT_WAIT_S`) without one."""
    slots = pool(name, size)
    if not slots.acquire(timeout=SLOT_WAIT_S if wait_s is None else wait_s):
        raise UploadBusy(message, retry_after=RETRY_AFTER_S)
    return slots


@contextmanager
def upload_slot(name: str, size: int, message: str, *, wait_s: float | None = None) -> Iterator[None]:
    """Hold one slot of the pool ``name`` meanwhile (see :func:`take`)."""
    slots = take(name, size, message, wait_s=wait_s)
    try:
        yield
    finally:
        slots.release()


def _take_staff_slot() -> None:
    from webapp.auth import current_user

    if request.method != "POST" or request.endpoint not in STAFF_UPLOADS or current_user() is None:
        return
    g.upload_slot = take("editor", int(current_app.config["EDITOR_UPLOAD_SLOTS"]),
                         _("other files are being uploaded right now: send yours again in a minute"))


def _give_back(exc=None) -> None:
    slots = g.pop("upload_slot", None)
    if slots is not None:
        slots.release()


def _busy_page(e: UploadBusy):
    page = render_template("public/error.html", status=503, title=e.name, message=e.description)
    return page, 503, {"Retry-After": str(e.retry_after or RETRY_AFTER_S)}


def init_app(app: Flask) -> None:
    app.config.setdefault("EDITOR_UPLOAD_SLOTS", 2)
    app.before_request(_take_staff_slot)
    app.teardown_request(_give_back)
    app.register_error_handler(UploadBusy, _busy_page)
