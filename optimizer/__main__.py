"""``python -m optimizer`` runs the ``sourcing`` command."""

from .cli import main

main(prog_name="sourcing")
