"""A folder of static files published incrementally and switched atomically (no Flask here).

``balise publish --out DIR`` (:mod:`webapp.publish`) hands every file of the public site to a
:class:`SiteBuild`, grouped in *targets* (a circuit page, a bundle folder, the API file of a
circuit...), each with a *key*: a digest of everything the target is made of. The manifest of the
last publish remembers each target's key and the SHA-256 of each of its files, so:

- a target whose key did not change is not even rendered again (:meth:`SiteBuild.unchanged`), and
  its files are not even read (they are in a shard of the manifest, read only for the targets that changed);
- a file whose bytes did not change is not written again;
- a publish where nothing changed touches no file.

Layout beside ``DIR`` (the cost of a publish follows what changed, not the size of the site)::

    DIR -> DIR.versions/a         a symbolic link, swapped with one os.replace (atomic on POSIX)
    DIR.versions/a/  b/           two release trees of plain files: the live one and the previous one
    DIR.versions/objects/ab/ab…   each distinct content once; the trees hold hard links to these
    DIR.versions/manifest.json    the record of the live release, its keys and files in shards, the caller's
    DIR.versions/keys/ files/     memos (exporter/site_manifest.py: a publish rewrites only the shards of the
    DIR.versions/memo/            targets it changed)
    DIR.versions/templates/       the caller's compiled templates (``balise publish``: Jinja's bytecode cache)
    DIR.versions/a.dirty  b.dirty the paths where that tree may differ from the manifest

A publish brings the *other* tree up to date by rewriting only the paths that changed since it was
live (its ``.dirty`` list plus this publish's changes: a few files after one edit, whatever the size
of the site), then swaps the link: a visitor never sees half a site, and the previous release stays
whole until the next publish (requests under way finish on it). Files shared by many circuits (the
bundle's Leaflet, scripts, styles) are one object, compressed once. The first publish writes both
trees. Read through ``DIR`` (nginx, ``rsync -a DIR/``, an upload tool) the site is a plain folder of
files; never edit files inside it (they are hard links of the store).

Text files also get a gzip copy beside them (``index.html.gz``; also brotli, ``.br``, when the
``brotli`` package is importable) for servers that send precompressed files (nginx ``gzip_static``).

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
>>> build = SiteBuild(out)
>>> build.put("home", "k2", {"index.html": b"<p>hello again</p>"})
>>> stats = build.commit()
>>> (stats.written, stats.changed, stats.switched), Path(out, "index.html").read_text()
((0, 1, True), '<p>hello again</p>')
>>> import shutil; shutil.rmtree(root)
"""
from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from exporter.errors import ExportError
from exporter.site_manifest import Manifest, write_json
from exporter.site_tree import ObjectStore, link_all, sync
from poi.i18n import gettext as _

try:  # optional: brotli copies only where the well-kept package is installed
    import brotli
except ImportError:  # pragma: no cover - depends on the machine
    brotli = None

#: The two release trees (the live one and the previous one).
TREES = ("a", "b")
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
    if p.is_absolute() or not p.parts or ".." in p.parts or any(c in path for c in "\\\t\n\r"):
        raise ExportError(_("unsafe path in the published site: {path!r}", path=path))
    return str(p)


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
        self.store = ObjectStore(self.versions / "objects")
        self.manifest = Manifest(self.versions, self.out)
        self.old_version: int = self.manifest.version
        self.live = self._live_tree()
        if self.live is None:
            self.manifest.forget()  # no release tree to start from: everything is written
        self.old_targets: dict[str, dict] = self.manifest.targets
        #: name -> {"key", "files"}: ``files`` a dict (path -> object) for a target put in this publish,
        #: the manifest's string for one unchanged
        self.targets: dict[str, dict] = {}

    # -- reading the last publish ---------------------------------------------------------------------
    def _live_tree(self) -> str | None:
        """The release tree ``out`` points to (``a`` or ``b``), None when there is none."""
        if not self.out.is_symlink():
            return None
        target = Path(os.path.normpath(self.out.parent / os.readlink(self.out)))
        if target.parent != self.versions or target.name not in TREES or not target.is_dir():
            return None
        return target.name

    def unchanged(self, name: str, key: str) -> bool:
        """True (and the target's files are kept as they are) when ``name`` was published with ``key``."""
        old = self.old_targets.get(name)
        if old is None or old.get("key") != key:
            return False
        self.targets[name] = old
        return True

    def keep(self, belongs) -> list[str]:
        """Keep as they are the targets of the last publish whose name ``belongs(name)`` is true (a group of
        targets whose common key did not change), without computing their keys; returns their names."""
        kept = [name for name in self.old_targets if belongs(name)]
        for name in kept:
            self.targets[name] = self.old_targets[name]
        return kept

    def keep_all(self, names: list[str]) -> bool:
        """Keep as they are the targets ``names`` of the last publish and say True; False (none kept) when one of them
        was not published."""
        old = self.old_targets
        if any(name not in old for name in names):
            return False
        for name in names:
            self.targets[name] = old[name]
        return True

    def previous_files(self, name: str) -> dict[str, str]:
        """The files (path -> object) target ``name`` had in the last publish."""
        return self.manifest.files(name)

    def _target_files(self, name: str) -> dict[str, str]:
        """The files of target ``name`` in this publish (put now, or kept from the last one)."""
        entry = self.targets.get(name)
        if entry is None:
            return {}
        if isinstance(entry.get("files"), dict):
            return entry["files"]
        return self.previous_files(name)

    # -- adding files ---------------------------------------------------------------------------------------
    def put(self, name: str, key: str, files: dict[str, bytes | str]) -> None:
        """The files of target ``name`` (path -> bytes), kept in the store; nothing is written in the site yet."""
        entry: dict[str, str] = {}
        for path, data in files.items():
            body = data.encode("utf-8") if isinstance(data, str) else data
            path = safe_path(path)
            sha = entry[path] = self.store.add(body)
            if self.compress and path.endswith(TEXT_SUFFIXES) and len(body) >= MIN_COMPRESS_BYTES:
                entry[path + ".gz"] = self.store.gzip_of(sha, body)
                if brotli is not None:
                    entry[path + ".br"] = self.store.add(brotli.compress(body))
        self.targets[name] = {"key": key, "files": entry}

    def memo(self, name: str):
        """What the caller kept under ``name`` at a publish (:meth:`keep_memo`), None if nothing: whatever helps it
        make the next one (``DIR.versions/memo/<name>.json``)."""
        return self.manifest.memo(name)

    def keep_memo(self, name: str, data) -> None:
        """Keep ``data`` (JSON) under ``name`` for the next publish; written with the manifest (None: forget it)."""
        self.manifest.keep_memo(name, data)

    def adopt(self, name: str, key: str, files: dict[str, str]) -> None:
        """The files (path -> object) of target ``name`` that another process :meth:`put` in the same store."""
        self.targets[name] = {"key": key, "files": files}
        self.store.known.update(files.values())

    # -- switching ----------------------------------------------------------------------------------------
    def commit(self) -> PublishStats:
        """Bring the other release tree up to date (only the paths that changed) and switch ``out`` to it."""
        put = [n for n, e in self.targets.items() if isinstance(e.get("files"), dict)]
        gone = [n for n in self.old_targets if n not in self.targets]
        old_view: dict[str, tuple[str, str]] = {}  # path -> (object, target) before, of the targets redone
        for name in (*put, *gone):
            for path, sha in self.previous_files(name).items():
                old_view[path] = (sha, name)
        new_view: dict[str, tuple[str, str]] = {}
        for name in put:
            for path, sha in self.targets[name]["files"].items():
                if path in new_view and new_view[path][0] != sha:
                    raise ExportError(_("two parts of the site write {path} differently ({name})", path=path,
                                        name=name))
                new_view[path] = (sha, name)
        fresh = [p for p in new_view if p not in old_view]
        if fresh and len(put) < len(self.targets):  # a new path must not be another (unchanged) target's
            others = {p for n, e in self.targets.items() if not isinstance(e.get("files"), dict)
                      for p in self.previous_files(n)}
            clash = next((p for p in fresh if p in others), None)
            if clash is not None:
                raise ExportError(_("two parts of the site write {path} differently ({name})",
                                    path=clash, name=new_view[clash][1]))
        diff = {p: v for p, v in new_view.items() if old_view.get(p, (None,))[0] != v[0]}
        diff.update({p: (None, v[1]) for p, v in old_view.items() if p not in new_view})
        stats = PublishStats(version=self.old_version)
        stats.written = len(fresh)
        stats.removed = sum(v[0] is None for v in diff.values())
        stats.changed = len(diff) - stats.written - stats.removed
        stats.kept = self._count() - stats.written - stats.changed
        stats.changed_paths = sorted(p for p, v in diff.items() if v[0] is not None)
        if self.live is not None and not diff:
            if put or gone:
                self._write_manifest(self.old_version)  # same files; targets may have new keys
            return stats
        self.versions.mkdir(parents=True, exist_ok=True)
        if self.live is None:
            everything = self._index()
            for tree in TREES:
                link_all(self.versions / tree, self.store, everything)
                self._write_dirty(tree, {})
            new_live = TREES[0]
        else:
            new_live = TREES[1 - TREES.index(self.live)]
            self._bring_up_to_date(new_live, diff)
            # the tree going out now differs from the manifest on these paths
            self._write_dirty(self.live, {**self._read_dirty(self.live), **{p: v[1] for p, v in diff.items()}})
        self._switch(self.versions / new_live)
        version = self.old_version + 1
        self._write_manifest(version)
        self._write_dirty(new_live, {})
        for old in self.versions.iterdir():  # releases of the first layout (numbered folders)
            if old.name.isdigit() and old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
        stats.switched, stats.version = True, version
        return stats

    def _bring_up_to_date(self, tree: str, diff: dict[str, tuple[str | None, str]]) -> None:
        """Rewrite in release ``tree`` the paths where it may differ from this publish: its ``.dirty``
        list (what changed while it was not live) and ``diff``."""
        folder = self.versions / tree
        if not folder.is_dir():
            link_all(folder, self.store, self._index())
            return
        dirty = {**self._read_dirty(tree), **{p: v[1] for p, v in diff.items()}}
        self._write_dirty(tree, dirty)  # before touching the tree: a crash leaves it marked
        wanted: dict[str, str | None] = {}
        parsed: dict[str, dict[str, str]] = {}
        index = None
        for path, owner in dirty.items():
            if path in diff:
                wanted[path] = diff[path][0]
                continue
            if owner not in parsed:
                parsed[owner] = self._target_files(owner)
            sha = parsed[owner].get(path)
            if sha is None:  # the path moved to another target since: look everywhere
                index = self._index() if index is None else index
                sha = index.get(path)
            wanted[path] = sha
        sync(folder, self.store, wanted)

    def _index(self) -> dict[str, str]:
        return {p: s for name in self.targets for p, s in self._target_files(name).items()}

    def _count(self) -> int:
        return sum(len(e["files"]) if isinstance(e.get("files"), dict) else e.get("n", 0)
                   for e in self.targets.values())

    def _read_dirty(self, tree: str) -> dict[str, str]:
        try:
            return json.loads((self.versions / f"{tree}.dirty").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def _write_dirty(self, tree: str, paths: dict[str, str]) -> None:
        write_json(self.versions / f"{tree}.dirty", paths)

    def _switch(self, final: Path) -> None:
        if self.out.exists() and not self.out.is_symlink():
            self.out.rmdir()  # an empty folder given as --out (checked in __init__)
        link = self.out.parent / f".{self.out.name}.link-{os.getpid()}"
        if link.is_symlink():
            link.unlink()
        os.symlink(os.path.relpath(final, self.out.parent), link)
        os.replace(link, self.out)

    def _write_manifest(self, version: int) -> None:
        self.manifest.write(version, self.targets, self._target_files)

    def abort(self) -> None:
        """Forget a failed publish: the site stays as it was (nothing of it was written in the trees)."""
