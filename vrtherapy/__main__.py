"""``python -m vrtherapy`` is the same as the ``vrtherapy`` command."""

from vrtherapy.cli.main import main

main()
