"""The ``balise`` commands, one module per command or group.

Every module here defines ``register(cli)``, which adds its commands to the
top-level group or to one of the groups of :mod:`webapp.commands.groups`
(``poi``, ``trail``, ``export``). Adding a command means adding a module.
"""
from __future__ import annotations

import importlib
import pkgutil


def register_all(cli) -> None:
    from webapp.commands import groups

    for group in groups.GROUPS:
        cli.add_command(group)
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name == "groups":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        module.register(cli)
