"""One module per command group; ``ALL`` lists what ``balise`` offers."""
from webapp.commands.serve import serve

ALL = [serve]
