"""A folder of static files published incrementally and switched atomically (no Flask here).

``balise publish --out DIR`` (:mod:`webapp.publish`) hands every file of the public site to a
:class:`SiteBuild`, grouped in *targets* (a circuit page, a bundle folder, the API file of a
circuit...), each with a *key*: a digest of everything the target is made of. The manifest of the
last publish remembers each target's key and the SHA-256 of each of its files, so:

- a target whose key did not change is not even rendered again (:meth:`SiteBuild.unchanged`);
- a file whose bytes did not change is not written again: the new version holds a hard link to
  the old file (same inode, same mtime, nothing to upload for a sync tool);
- a publish where nothing changed creates no version at all and touches no file.

Layout: ``DIR`` is a symbolic link to ``DIR.versions/<n>/``; a publish builds ``<n+1>`` aside and
swaps the link with one :func:`os.replace` (atomic on POSIX), so a visitor never sees half a
site; the previous version is removed afterwards. ``DIR.versions/manifest.json`` is the manifest.

Text files also get a gzip (and, when the ``brotli`` package is importable, a brotli) copy beside
them (``index.html.gz``) for servers that send precompressed files (nginx ``gzip_static``).

>>> import tempfile, os
>>> root = tempfile.mkdtemp()
>>> out = os.path.join(root, "site")
>>> build = SiteBuild(out)
>>> build.unchanged("home", "k1")
False
>>> build.put("home", "k1", {"index.html": b"<p>hello</p>"})
>>> build.commit().written
1
>>> from pathlib import Path
>>> Path(out, "index.html").read_text()
'<p>hello</p>'
>>> build = SiteBuild(out)
>>> build.unchanged("home", "k1")
True
>>> stats = build.commit()
>>> (stats.written, stats.changed, stats.removed, stats.switched)
(0, 0, 0, False)
>>> import shutil; shutil.rmtree(root)
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from exporter.errors import ExportError
from poi.i18n import gettext as _

try:  # optional: brotli copies only where the well-kept package is installed
    import brotli
except ImportError:  # pragma: no cover - depends on the machine
    brotli = None

MANIFEST = "manifest.json"
FORMAT = 1
#: Files worth compressing (by suffix); images, zips and audio are compressed already.
TEXT_SUFFIXES = (".html", ".css", ".js", ".json", ".xml", ".gpx", ".kml", ".geojson", ".svg", ".txt",
                 ".webmanifest", ".conf")
MIN_COMPRESS_BYTES = 256


@dataclass(slots=True)
class PublishStats:
    """What a publish did: files written (new), changed (rewritten), removed; whether it switched."""

    written: int = 0
    changed: int = 0
    removed: int = 0
    kept: int = 0
    switched: bool = False
    version: int = 0
    changed_paths: list[str] = field(default_factory=list)

    def sentence(self) -> str:
        if not self.switched:
            return f"nothing changed: 0 files written, 0 changed, 0 removed ({self.kept} files kept)"
        return (f"{self.written} files written, {self.changed} changed, {self.removed} removed, "
                f"{self.kept} kept (version {self.version})")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def safe_path(path: str) -> str:
    """A relative POSIX path inside the site, or ExportError.

    >>> safe_path("trails/3/index.html")
    'trails/3/index.html'
    >>> from poi.i18n import language
    >>> with language("en"):
    ...     safe_path("../etc/passwd")
    Traceback (most recent call last):
    exporter.errors.ExportError: unsafe path in the published site: '../etc/passwd'
    """
    p = PurePosixPath(path)
    if p.is_absolute() or not p.parts or ".." in p.parts or "\\" in path:
        raise ExportError(_("unsafe path in the published site: {path!r}", path=path))
    return str(p)


def compressed_copies(path: str, data: bytes) -> dict[str, bytes]:
    """``{path.gz: ..., path.br: ...}`` for a text file worth compressing (deterministic bytes)."""
    if not path.endswith(TEXT_SUFFIXES) or len(data) < MIN_COMPRESS_BYTES:
        return {}
    out = {path + ".gz": gzip.compress(data, compresslevel=9, mtime=0)}
    if brotli is not None:
        out[path + ".br"] = brotli.compress(data)
    return out


class SiteBuild:
    """One publish into ``out`` (see the module docstring)."""

    def __init__(self, out: str | os.PathLike, *, compress: bool = True):
        self.out = Path(out).absolute()
        self.versions = self.out.parent / (self.out.name + ".versions")
        self.compress = compress
        if self.out.exists() and not self.out.is_symlink():
            if not self.out.is_dir() or any(self.out.iterdir()):
                raise ExportError(_("{path} exists and is not a site published by Balise: give a new or empty folder",
                                    path=self.out))
        old = self._read_manifest()
        self.old_targets: dict[str, dict] = old.get("targets", {})
        self.old_version: int = old.get("version", 0)
        self.current_dir = self.versions / str(self.old_version) if self.old_version else None
        if self.current_dir is not None and not self.current_dir.is_dir():
            self.old_targets, self.current_dir = {}, None  # the manifest outlived its folder: start over
        self.targets: dict[str, dict] = {}
        self.staging = self.versions / f".staging-{os.getpid()}"
        self._new_files: dict[str, str] = {}  # path -> sha of files written into staging

    # -- reading the last publish ---------------------------------------------------------------------
    def _read_manifest(self) -> dict:
        try:
            data = json.loads((self.versions / MANIFEST).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as e:
            raise ExportError(_("cannot read the manifest of {path}: {error}", path=self.out, error=e)) from e
        return data if data.get("format") == FORMAT else {}

    def unchanged(self, name: str, key: str) -> bool:
        """True (and the target's files are kept as they are) when ``name`` was published with ``key``."""
        old = self.old_targets.get(name)
        if old is None or old.get("key") != key:
            return False
        self.targets[name] = old
        return True

    def previous_files(self, name: str) -> dict[str, str]:
        return dict(self.old_targets.get(name, {}).get("files", {}))

    # -- adding files ---------------------------------------------------------------------------------------
    def put(self, name: str, key: str, files: dict[str, bytes | str]) -> None:
        """The files of target ``name`` (path -> bytes); only files whose bytes changed are written."""
        entry: dict[str, str] = {}
        for path, data in files.items():
            body = data.encode("utf-8") if isinstance(data, str) else data
            extra = compressed_copies(path, body) if self.compress else {}
            for p, b in ((path, body), *extra.items()):
                p = safe_path(p)
                digest = sha256(b)
                entry[p] = digest
                if self._old_sha(p) != digest:
                    target = self.staging / p
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(b)
                    self._new_files[p] = digest
        self.targets[name] = {"key": key, "files": entry}

    def _old_sha(self, path: str) -> str | None:
        if not hasattr(self, "_old_index"):
            self._old_index = {p: s for t in self.old_targets.values() for p, s in t.get("files", {}).items()}
        return self._old_index.get(path)

    # -- switching ----------------------------------------------------------------------------------------
    def commit(self) -> PublishStats:
        """Build the new version (hard links for unchanged files) and switch ``out`` to it in one step."""
        new_index: dict[str, str] = {}
        for name, entry in self.targets.items():
            for path, digest in entry["files"].items():
                if path in new_index and new_index[path] != digest:
                    raise ExportError(_("two parts of the site write {path} differently ({name})", path=path, name=name))
                new_index[path] = digest
        old_index = {p: s for t in self.old_targets.values() for p, s in t.get("files", {}).items()}
        stats = PublishStats(version=self.old_version)
        stats.written = sum(p not in old_index for p in new_index)
        stats.changed = sum(p in old_index and old_index[p] != s for p, s in new_index.items())
        stats.removed = sum(p not in new_index for p in old_index)
        stats.kept = len(new_index) - stats.written - stats.changed
        stats.changed_paths = sorted(p for p, s in new_index.items() if old_index.get(p) != s)
        if not (stats.written or stats.changed or stats.removed) and self.current_dir is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            self._write_manifest(self.old_version)  # same files; targets may have new keys
            return stats
        self.staging.mkdir(parents=True, exist_ok=True)
        made_dirs: set[Path] = set()
        for path, digest in new_index.items():
            if old_index.get(path) == digest and self._new_files.get(path) != digest:
                dest = self.staging / path
                if dest.parent not in made_dirs:
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    made_dirs.add(dest.parent)
                _link_or_copy(self.current_dir / path, dest)
        version = self.old_version + 1
        final = self.versions / str(version)
        if final.exists():
            shutil.rmtree(final)
        os.rename(self.staging, final)
        self._switch(final)
        self._write_manifest(version, new_index)
        if self.current_dir is not None and self.current_dir != final:
            shutil.rmtree(self.current_dir, ignore_errors=True)
        stats.switched, stats.version = True, version
        return stats

    def _switch(self, final: Path) -> None:
        if self.out.exists() and not self.out.is_symlink():
            self.out.rmdir()  # an empty folder given as --out (checked in __init__)
        link = self.out.parent / f".{self.out.name}.link-{os.getpid()}"
        if link.is_symlink():
            link.unlink()
        os.symlink(os.path.relpath(final, self.out.parent), link)
        os.replace(link, self.out)

    def _write_manifest(self, version: int, new_index: dict | None = None) -> None:
        self.versions.mkdir(parents=True, exist_ok=True)
        tmp = self.versions / (MANIFEST + ".tmp")
        tmp.write_text(json.dumps({"format": FORMAT, "version": version, "targets": self.targets},
                                  separators=(",", ":"), sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.versions / MANIFEST)

    def abort(self) -> None:
        """Forget a failed publish: the site stays as it was."""
        shutil.rmtree(self.staging, ignore_errors=True)


def _link_or_copy(src: Path, dest: Path) -> None:
    try:
        os.link(src, dest)
    except OSError:
        shutil.copy2(src, dest)
