"""vrtherapy: a virtual-reality exposure therapy and social-skills training engine."""

__version__ = "0.1.0"
