"""The ``vrtherapy`` command line."""
