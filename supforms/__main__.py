"""``python -m supforms``: the command line, as the ``supforms`` command."""

from supforms.pipeline.cli import main

main()
