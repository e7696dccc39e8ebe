"""The ``balise`` commands, one module per command or group of related commands.

A module defines plain click commands and imports only :mod:`webapp.cli_options` from the
command line's own code; :data:`webapp.cli.COMMANDS` and the groups of
:mod:`webapp.commands.groups` list them by import path, so a command's module (and what it
imports: Flask, the database layer...) loads only when that command runs.
"""
