"""What an import did: the :class:`ImportReport` an importer's ``run`` returns and hands to ``progress``."""
from __future__ import annotations

from array import array
from dataclasses import dataclass, field

from poi.i18n import gettext as _

#: How many added/updated POI names an :class:`ImportReport` keeps for a preview.
CHANGES_KEPT = 200


class IdList(array):
    """POI ids in 8 bytes each (a list of ints takes about 36): compares equal to a list.

    >>> ids = IdList([3, 5]); ids.append(8)
    >>> ids == [3, 5, 8], ids, len(ids), ids[0]
    (True, IdList([3, 5, 8]), 3, 3)
    """

    def __new__(cls, ids=()):
        return super().__new__(cls, "q", ids)

    def __eq__(self, other):
        return self.tolist() == other if isinstance(other, list) else super().__eq__(other)

    def __ne__(self, other):
        return not self == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"IdList({self.tolist()})"


@dataclass(slots=True)
class ImportReport:
    """What an import did (or would do, with ``dry_run``)."""

    source: str = ""
    format: str = ""
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    problems: list[str] = field(default_factory=list)
    ids: IdList = field(default_factory=IdList)  # POIs added or updated (a list of ints, compactly)
    dry_run: bool = False
    seconds: float = 0.0
    #: ``(status, name)`` of the first :data:`CHANGES_KEPT` POIs added or updated (what a preview shows).
    changes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def records(self) -> int:
        """Records read: added + updated + unchanged + skipped."""
        return self.added + self.updated + self.unchanged + self.skipped

    def skip(self, where: str, reason: str) -> None:
        self.skipped += 1
        self.problems.append(_("{where}: {reason}", where=where, reason=reason))

    def summary(self) -> str:
        """One line for people.

        >>> from poi.i18n import language
        >>> with language("en"):
        ...     ImportReport(source="demo", added=3, skipped=1).summary()
        'demo: 3 added, 0 updated, 0 unchanged, 1 skipped'
        """
        line = _("{source}: {added} added, {updated} updated, {unchanged} unchanged, {skipped} skipped",
                 source=self.source, added=self.added, updated=self.updated,
                 unchanged=self.unchanged, skipped=self.skipped)
        return _("dry run, nothing written: {summary}", summary=line) if self.dry_run else line
