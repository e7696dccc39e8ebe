"""The components whose tables a Balise database holds: the one list the web app and the CLI open it with.

:func:`poi.store.open_db` applies the migrations of ``poi`` and of the components its caller
lists, in order (a component after those it requires); nothing registers itself by being
imported. The web app (:mod:`webapp.db`), the CLI (:class:`webapp.cli_options.Env`) and the tests
(``tests/helpers.open_db``) open the database with :data:`COMPONENTS`.

>>> [c.name for c in COMPONENTS]
['trails', 'network', 'sources', 'staff', 'feedback', 'pages', 'figures', 'publish']
"""
from __future__ import annotations

from poi.network.store import NETWORK
from poi.source_store import SOURCES
from poi.store import Component
from trails.store import TRAILS
from webapp.feedback_store import FEEDBACK
from webapp.figures_store import FIGURES
from webapp.pages_store import PAGES
from webapp.publish_store import PUBLISH
from webapp.staff_store import STAFF

#: Every component with tables, in an order that satisfies their ``requires``.
COMPONENTS: tuple[Component, ...] = (TRAILS, NETWORK, SOURCES, STAFF, FEEDBACK, PAGES, FIGURES, PUBLISH)
