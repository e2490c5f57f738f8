"""The scenario's environment presets (sky, lighting, fog) as an EnvironmentLook."""

from __future__ import annotations

from dataclasses import replace

from vrtherapy.world.types import EnvironmentLook

RGB = tuple[float, float, float]

# sky preset -> zenith, horizon, ground ambient (linear RGB)
SKIES: dict[str, tuple[RGB, RGB, RGB]] = {
    "clear_day": ((0.18, 0.38, 0.85), (0.7, 0.82, 0.95), (0.25, 0.22, 0.2)),
    "overcast": ((0.48, 0.5, 0.54), (0.68, 0.7, 0.72), (0.2, 0.2, 0.2)),
    "dusk": ((0.12, 0.12, 0.35), (0.95, 0.5, 0.28), (0.12, 0.09, 0.08)),
    "night": ((0.005, 0.008, 0.02), (0.02, 0.03, 0.06), (0.01, 0.01, 0.015)),
    "indoor": ((0.55, 0.55, 0.55), (0.6, 0.6, 0.58), (0.22, 0.2, 0.18)),
}

# lighting preset -> sun direction, sun colour, sun intensity, ambient intensity.
# The outdoor suns stand ahead of the client, who starts facing -z (high, a little to the
# right): the façade a balcony hangs on is in sunlight, and shadows fall towards the client.
LIGHTS: dict[str, tuple[RGB, RGB, float, float]] = {
    "daylight": ((-0.4, -1.0, 0.3), (1.0, 0.95, 0.85), 1.0, 0.35),
    "soft": ((-0.3, -1.0, 0.5), (1.0, 0.97, 0.92), 0.55, 0.5),
    "dim": ((-0.3, -1.0, -0.4), (0.9, 0.85, 0.8), 0.25, 0.2),
    "night": ((0.2, -1.0, 0.4), (0.55, 0.6, 0.8), 0.08, 0.08),
    "indoor_warm": ((0.1, -1.0, 0.2), (1.0, 0.85, 0.65), 0.6, 0.45),
    "indoor_cool": ((0.1, -1.0, 0.2), (0.85, 0.92, 1.0), 0.6, 0.45),
}


# the skies and lights with a sun that casts shadows; the others light from everywhere
SUNNY_SKIES = frozenset({"clear_day", "dusk"})
SUN_LIGHTS = frozenset({"daylight", "soft"})


def has_sun(sky: str, lighting: str) -> bool:
    return sky in SUNNY_SKIES and lighting in SUN_LIGHTS


def look(sky: str, lighting: str, fog: float, shadows: bool | None = None) -> EnvironmentLook:
    """The look of a scenario's ``environment``; ``fog`` 0..1 maps to exponential density.

    ``shadows`` None: the sun casts shadows where there is one (:func:`has_sun`); False:
    never; True: the lighting's key light casts them whatever the sky."""
    zenith, horizon, ground = SKIES.get(sky, SKIES["clear_day"])
    direction, sun, sun_i, ambient = LIGHTS.get(lighting, LIGHTS["daylight"])
    density = max(0.0, float(fog)) * 0.05  # fog 1 -> visibility of roughly 60 m
    return replace(
        EnvironmentLook(),
        sky_zenith=zenith,
        sky_horizon=horizon,
        ground_ambient=ground,
        sun_direction=direction,
        sun_color=sun,
        sun_intensity=sun_i,
        ambient_intensity=ambient,
        fog_density=density,
        fog_color=horizon,
        shadows=has_sun(sky, lighting) if shadows is None else shadows,
    )
