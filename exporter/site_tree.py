"""The content store and the release trees of a published site (see :mod:`exporter.site`).

:class:`ObjectStore` keeps each distinct file once (``objects/<sha[:2]>/<sha>``, written through a
temporary name and :func:`os.replace`) with, for text files, the name of its gzip copy
(``gz/<sha[:2]>/<sha>``): content compressed once stays compressed for every later publish.
:func:`link_all` fills a release tree with hard links to the store; :func:`sync` brings given
paths of a tree to the wanted content and drops the objects no tree holds any more.

>>> import tempfile
>>> root = Path(tempfile.mkdtemp())
>>> store = ObjectStore(root / "objects")
>>> sha = store.add(b"<p>hi</p>")
>>> link_all(root / "a", store, {"index.html": sha, "x/y.txt": sha})
2
>>> (root / "a" / "x" / "y.txt").read_bytes(), (root / "a" / "index.html").stat().st_nlink
(b'<p>hi</p>', 3)
>>> sync(root / "a", store, {"x/y.txt": None})
1
>>> (root / "a" / "x").exists()
False
>>> import shutil; shutil.rmtree(root)
"""
from __future__ import annotations

import errno
import gzip
import hashlib
import os
import shutil
from pathlib import Path

#: Characters of the SHA-256 hex digest that name an object (160 bits).
SHA_CHARS = 40
#: gzip level of the precompressed copies (9 costs twice the time for ~1 % fewer bytes).
GZIP_LEVEL = 6


def content_sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:SHA_CHARS]


class ObjectStore:
    """Each distinct content once, named after its SHA-256 (see the module docstring)."""

    def __init__(self, root: Path):
        self.root = root
        self.known: set[str] = set()
        self.gz_memo: dict[str, str] = {}
        self.writes = 0

    def path(self, sha: str) -> Path:
        return self.root / sha[:2] / sha

    def add(self, data: bytes) -> str:
        """Keep ``data`` (if it is not kept already) and return its name."""
        sha = content_sha(data)
        if sha not in self.known:
            path = self.path(sha)
            if not path.exists():
                self._write(path, data)
            self.known.add(sha)
        return sha

    def _write(self, path: Path, data: bytes) -> None:
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        try:
            tmp.write_bytes(data)
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(data)
        os.replace(tmp, path)
        self.writes += 1

    def gzip_of(self, sha: str, data: bytes) -> str:
        """The name of the gzip copy of ``data`` (object ``sha``), compressed once for all publishes."""
        found = self.gz_memo.get(sha)
        if found is not None:
            return found
        note = self.root.parent / "gz" / sha[:2] / sha
        try:
            found = note.read_text(encoding="ascii")
        except OSError:
            found = None
        if not found or not self.path(found).exists():
            found = self.add(gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0))
            self._write(note, found.encode("ascii"))
        self.known.add(found)
        self.gz_memo[sha] = found
        return found

    def forget_if_unused(self, sha: str) -> None:
        """Remove object ``sha`` when no release tree holds it any more (its only link is the store's)."""
        path = self.path(sha)
        try:
            if path.stat().st_nlink == 1:
                path.unlink()
                self.known.discard(sha)
        except FileNotFoundError:
            pass


def _link(store: ObjectStore, sha: str, dest: Path) -> None:
    try:
        os.link(store.path(sha), dest)
    except OSError as e:
        if e.errno != errno.EMLINK:  # a file system's limit of links per file (65,000 on ext4): copy
            raise
        shutil.copyfile(store.path(sha), dest)


def link_all(tree: Path, store: ObjectStore, files: dict[str, str]) -> int:
    """A new release tree holding ``files`` (path -> object), replacing whatever ``tree`` held."""
    if tree.exists():
        shutil.rmtree(tree)
    tree.mkdir(parents=True)
    made: set[str] = set()
    for path, sha in files.items():
        folder = path.rpartition("/")[0]
        if folder and folder not in made:
            (tree / folder).mkdir(parents=True, exist_ok=True)
            made.add(folder)
        _link(store, sha, tree / path)
    return len(files)


def sync(tree: Path, store: ObjectStore, wanted: dict[str, str | None]) -> int:
    """Bring the paths of ``wanted`` in ``tree`` to their object (None: no file); returns the files
    rewritten or removed. A file whose object no tree holds any more leaves the store."""
    done = 0
    emptied: set[Path] = set()
    for path, sha in wanted.items():
        dest = tree / path
        try:
            st = dest.stat()
        except FileNotFoundError:
            st = None
        if st is not None and sha is not None:
            try:
                if os.path.samestat(st, store.path(sha).stat()):
                    continue
            except FileNotFoundError:
                pass
        if st is not None:
            old = content_sha(dest.read_bytes()) if st.st_nlink == 2 else None  # the store's and this one
            dest.unlink()
            if old is not None:
                store.forget_if_unused(old)
        if sha is None:
            if st is not None:
                done += 1
                emptied.add(dest.parent)
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        _link(store, sha, dest)
        done += 1
    for folder in sorted(emptied, key=lambda p: len(p.parts), reverse=True):
        while folder != tree and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent
    return done
