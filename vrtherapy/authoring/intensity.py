"""Map a continuous intensity (0–100) onto a scenario's levels and parameter values.

Numeric parameters interpolate linearly between the two neighbouring levels;
booleans and choices switch at the midpoint between them. A session may also
override single parameters directly.
"""

from __future__ import annotations

from collections.abc import Mapping

from vrtherapy.authoring.scenario import ParamValue, ScenarioSpec


class ParameterError(ValueError):
    """A parameter override that the scenario does not accept."""


def level_anchors(spec: ScenarioSpec) -> list[float]:
    """The intensity (0–100) at which each level applies exactly."""
    explicit = [lv.intensity for lv in spec.levels]
    if all(a is not None for a in explicit):
        return [float(a) for a in explicit if a is not None]
    n = len(spec.levels)
    if n == 1:
        return [0.0]
    return [100.0 * i / (n - 1) for i in range(n)]


def level_intensity(spec: ScenarioSpec, level: str) -> float:
    """The intensity of a named level."""
    names = spec.level_names
    if level not in names:
        raise ParameterError(f"scenario '{spec.id}' has no level '{level}'")
    return level_anchors(spec)[names.index(level)]


def nearest_level(spec: ScenarioSpec, intensity: float) -> str:
    anchors = level_anchors(spec)
    i = min(range(len(anchors)), key=lambda k: (abs(anchors[k] - intensity), k))
    return spec.levels[i].name


def parameter_values(
    spec: ScenarioSpec,
    intensity: float,
    overrides: Mapping[str, ParamValue] | None = None,
) -> dict[str, ParamValue]:
    """The value of every parameter at ``intensity``, with ``overrides`` applied on top."""
    if not 0.0 <= intensity <= 100.0:
        raise ParameterError(f"intensity must be between 0 and 100, got {intensity:g}")
    anchors = level_anchors(spec)
    levels = spec.levels
    if intensity <= anchors[0]:
        lo = hi = 0
    elif intensity >= anchors[-1]:
        lo = hi = len(anchors) - 1
    else:
        hi = next(i for i, a in enumerate(anchors) if a >= intensity)
        lo = hi - 1
    span = anchors[hi] - anchors[lo]
    t = 0.0 if span == 0 else (intensity - anchors[lo]) / span
    out: dict[str, ParamValue] = {}
    for name, param in spec.parameters.items():
        a = levels[lo].values[name]
        b = levels[hi].values[name]
        if param.type == "number":
            out[name] = float(a) + (float(b) - float(a)) * t
        else:
            out[name] = b if t >= 0.5 else a
    for name, value in (overrides or {}).items():
        out[name] = check_override(spec, name, value)
    return out


def check_override(spec: ScenarioSpec, name: str, value: ParamValue) -> ParamValue:
    """Validate a directly-set parameter value; return it normalised."""
    param = spec.parameters.get(name)
    if param is None:
        known = ", ".join(sorted(spec.parameters)) or "none"
        raise ParameterError(f"scenario '{spec.id}' has no parameter '{name}' (has: {known})")
    if param.type == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ParameterError(f"parameter '{name}' needs a number, got {value!r}")
        assert param.min is not None and param.max is not None
        if not param.min <= value <= param.max:
            raise ParameterError(
                f"{value:g} is outside the range of '{name}' ({param.min:g}–{param.max:g})"
            )
        return float(value)
    if param.type == "boolean":
        if not isinstance(value, bool):
            raise ParameterError(f"parameter '{name}' needs true or false, got {value!r}")
        return value
    if param.choices is None or value not in param.choices:
        raise ParameterError(
            f"'{value}' is not a choice of '{name}' ({', '.join(param.choices or [])})"
        )
    return value
