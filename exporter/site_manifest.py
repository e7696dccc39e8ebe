"""The record of the last publish beside a site (:class:`exporter.site.SiteBuild`): what each target was made of
and which files it wrote, read by shard so that the cost of a publish follows what changed.

Layout in ``DIR.versions/``::

    manifest.json    the format and version of the live release
    keys/00.json…    the key of each target and its number of files, in 256 shards by a digest of its name
    files/00.json…   the files of each target (lines ``path<TAB>object``), in the same shards
    memo/            what the caller keeps for its next publish (:meth:`Manifest.keep_memo`)

A publish rewrites only the shards of the targets it put or removed, keys and files. Older formats are read and
carried on: 2 (every target's key and files inside ``manifest.json``), 3 (every key inside ``manifest.json``,
the files in shards); the first write after them rewrites every shard.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from exporter.errors import ExportError
from poi.i18n import gettext as _

MANIFEST = "manifest.json"
FORMAT = 4
#: Formats of the manifest this module reads (see the module docstring).
READABLE = (2, 3, 4)
#: The folders of the shards: the key and the number of files of each target, and its files.
SHARDS, KEY_SHARDS = "files", "keys"


class Manifest:
    """The last publish's record in ``versions`` (the folder beside the site ``out``, named in error messages)."""

    def __init__(self, versions: Path, out: Path):
        self.versions, self.out = versions, out
        self._key_shards: dict[str, dict[str, dict]] = {}  # shard -> target -> {"key", "n"}, as read
        self._shards: dict[str, dict[str, str]] = {}  # shard -> target -> its files (lines), as read
        self._memos: dict[str, object] = {}  # memos to write with the manifest
        data = self._read(versions / MANIFEST) or {}
        if data.get("format") not in READABLE:
            data = {}
        self.format: int = data.get("format", 0)
        self.version: int = data.get("version", 0)
        #: name -> {"key", "n"} (format 2: also "files") of every target of the last publish
        self.targets: dict[str, dict] = data.get("targets", {}) if self.format < 4 else self._read_keys()

    def forget(self) -> None:
        """Start afresh (no release tree to start from): no target, and the next write rewrites every shard."""
        self.targets, self.format = {}, 0

    # -- reading ----------------------------------------------------------------------------------------
    def _read(self, path: Path):
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as e:
            raise ExportError(_("cannot read the manifest of {path}: {error}", path=self.out, error=e)) from e

    def _read_keys(self) -> dict[str, dict]:
        """Every target from the key shards (format 4; kept as read, to be written again with the changes)."""
        targets: dict[str, dict] = {}
        folder = self.versions / KEY_SHARDS
        try:
            paths = sorted(folder.iterdir())
        except FileNotFoundError:
            return {}
        for path in paths:
            if path.suffix == ".json":
                shard = self._read(path) or {}
                self._key_shards[path.stem] = shard
                targets.update(shard)
        return targets

    def files(self, name: str) -> dict[str, str]:
        """The files (path -> object) target ``name`` had in the last publish."""
        entry = self.targets.get(name)
        if entry is None:
            return {}
        if "files" in entry:  # format 2
            return _files(entry)
        return _parse(self._shard(_shard_of(name)).get(name, ""))

    def _shard(self, shard: str) -> dict[str, str]:
        found = self._shards.get(shard)
        if found is None:
            found = self._shards[shard] = self._read(self.versions / SHARDS / f"{shard}.json") or {}
        return found

    def memo(self, name: str):
        """What the caller kept under ``name`` at a publish (:meth:`keep_memo`), None if nothing."""
        try:
            return json.loads((self.versions / "memo" / f"{name}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def keep_memo(self, name: str, data) -> None:
        """Keep ``data`` (JSON) under ``name`` for the next publish; written with the manifest (None: forget it)."""
        self._memos[name] = data

    # -- writing ----------------------------------------------------------------------------------------
    def write(self, version: int, targets: dict[str, dict], files_of) -> None:
        """The record of a publish: ``targets`` (name -> {"key", ...}; the targets put in this publish have their
        ``files`` as a dict) and ``files_of(name)``, the files of each. Only the shards of the targets put, or gone
        since the last publish, are written again (all of them after a manifest of another format), then the
        memos and ``manifest.json``."""
        changed = [n for n, e in targets.items() if isinstance(e.get("files"), dict)]
        changed += [n for n in self.targets if n not in targets]
        by_shard: dict[str, list[str]] = {}
        for name in changed:
            by_shard.setdefault(_shard_of(name), []).append(name)
        files_kept = self.format in (3, FORMAT)
        if self.format != FORMAT:  # every key shard, and the file shards too unless they have this form
            by_shard = {}
            for name in {**targets, **self.targets}:
                by_shard.setdefault(_shard_of(name), []).append(name)
        for shard, names in by_shard.items():
            data = self._shard(shard) if files_kept else {}
            keys = self._key_shards.get(shard, {}) if self.format == FORMAT else {}
            for name in names:
                entry = targets.get(name)
                if entry is None:
                    data.pop(name, None)
                    keys.pop(name, None)
                    continue
                files = files_of(name)
                data[name] = "".join(f"{p}\t{s}\n" for p, s in files.items())
                keys[name] = {"key": entry["key"], "n": len(files)}
            write_json(self.versions / SHARDS / f"{shard}.json", data)
            write_json(self.versions / KEY_SHARDS / f"{shard}.json", keys)
        if self.format != FORMAT:  # shards of targets no longer there would come back at the next read
            for folder in (SHARDS, KEY_SHARDS):
                for path in (self.versions / folder).glob("*.json"):
                    if path.stem not in by_shard:
                        path.unlink()
        for name, data in self._memos.items():
            if data is None:
                (self.versions / "memo" / f"{name}.json").unlink(missing_ok=True)
            else:
                write_json(self.versions / "memo" / f"{name}.json", data)
        write_json(self.versions / MANIFEST, {"format": FORMAT, "version": version})


def _files(entry: dict) -> dict[str, str]:
    """The files (path -> object) of a target entry, in the manifest's form (lines ``path<TAB>object``) or not."""
    files = entry.get("files", {})
    if isinstance(files, dict):
        return files
    return _parse(files)


def _parse(lines: str) -> dict[str, str]:
    return dict(line.split("\t") for line in lines.splitlines())


def _shard_of(name: str) -> str:
    """The shard of the manifest that holds the key and the files of target ``name`` (``00`` to ``ff``).

    >>> _shard_of("trail:3:fr")
    '52'
    """
    return hashlib.md5(name.encode("utf-8"), usedforsecurity=False).hexdigest()[:2]


def write_json(path: Path, data) -> None:
    """``data`` as compact JSON in ``path``, replaced in one step (a crash leaves the old file or the new one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, separators=(",", ":"), sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)
