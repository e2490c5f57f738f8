"""Authoring: YAML files written by scene authors become validated, immutable specs.

Every problem in an authored file is reported as ``path:line:column: message``
through :class:`AuthoringError`; nothing else escapes the loaders.
"""

from vrtherapy.authoring.errors import AuthoringError, Problem
from vrtherapy.authoring.hierarchy import HierarchySpec, HierarchyStep, load_hierarchy
from vrtherapy.authoring.intensity import parameter_values
from vrtherapy.authoring.library import Library, load_library
from vrtherapy.authoring.scenario import ScenarioSpec, load_scenario

__all__ = [
    "AuthoringError",
    "HierarchySpec",
    "HierarchyStep",
    "Library",
    "Problem",
    "ScenarioSpec",
    "load_hierarchy",
    "load_library",
    "load_scenario",
    "parameter_values",
]
