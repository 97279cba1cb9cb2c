"""``python -m optimizer`` runs the ``sourcing`` command."""

from .cli import run

if __name__ == "__main__":  # spawned worker processes import this module too (compare, sweep)
    run(prog_name="sourcing")
