"""`python -m kg_builder` runs the CLI."""

from .cli import main

main()
