"""``python -m optimizer`` runs the ``sourcing`` command."""

from .cli import main

if __name__ == "__main__":  # spawned worker processes import this module too (compare, sweep)
    main(prog_name="sourcing")
