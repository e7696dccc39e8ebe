"""The ``media`` table: one row per file of the content-addressed media store.

:class:`poi.media.MediaStore` keeps the files (``media/<sha256>.<ext>``);
this module keeps what is known of each one (type, size, the SHA-256 of the file
it was made from, so the same photo is stored once) and points POIs at stored
files. The table is created by migration 2 of component ``poi``
(:data:`poi.store.MIGRATIONS`). :class:`poi.store.PoiStore` delegates its
media methods here.

>>> from poi.store import PoiStore, open_db
>>> records = MediaRecordStore(PoiStore(open_db(":memory:")))
>>> records.save_media({"sha256": "b" * 64, "ext": "jpg", "kind": "image", "mime": "image/jpeg",
...                     "width": 640, "height": 480, "duration_s": None, "bytes": 51234,
...                     "original_sha256": "a" * 64})
>>> records.media_by_original("a" * 64)["ext"]
'jpg'
>>> records.media_by_original("c" * 64) is None
True
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from poi.bulk_store import row_of, transaction, utcnow
from poi.models import POI

if TYPE_CHECKING:
    from poi.store import PoiStore


class MediaRecordStore:
    """Records of stored media files, over one :class:`~poi.store.PoiStore`."""

    def __init__(self, pois: PoiStore):
        self.pois = pois
        self.db = pois.db

    def media_by_original(self, original_sha256: str) -> dict | None:
        """The stored media record made from a file with this SHA-256, if any."""
        row = self.db.execute("SELECT * FROM media WHERE original_sha256 = ? OR sha256 = ? LIMIT 1",
                              [original_sha256, original_sha256]).fetchone()
        return dict(row) if row else None

    def save_media(self, record: dict) -> None:
        """Remember one stored media file (keys: the columns of the ``media`` table)."""
        self.db.execute(
            "INSERT OR IGNORE INTO media (sha256, ext, kind, mime, width, height, duration_s, bytes, "
            "original_sha256, created_at) VALUES (:sha256, :ext, :kind, :mime, :width, :height, :duration_s, "
            ":bytes, :original_sha256, :created_at)", {"created_at": utcnow(), **record})

    def rename_media(self, poi_id: int, renamed: dict[str, str]) -> POI:
        """Point a POI's media at new URLs (``old url -> new url``, e.g. into the media store).

        The POI's other fields and update time are kept; merged provenance records
        are rewritten too, so recombining them keeps the new URLs.
        """
        poi = self.pois.get(poi_id)
        for m in poi.media:
            m.url = renamed.get(m.url, m.url)
        row = row_of(poi)
        row["updated_at"] = poi.updated_at
        with transaction(self.db):
            self.pois.write_row(poi_id, row, poi, new=False)
            self.pois.provenance_store.rename_record_media(poi_id, renamed)
        return self.pois.get(poi_id)
