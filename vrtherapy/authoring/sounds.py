"""The ``sounds:`` section of a scenario: ambient beds, positional sources and named cues.

```yaml
sounds:
  beds:                       # non-positional loops (the room, the weather)
    - {name: wind, sound: wind, gain: $wind}
  sources:                    # loops placed in the scene, attached to an object
    - {name: street, sound: traffic, attach: plaza, position: [0, 1, 0], gain: 0.6}
  cues:                       # one-shots fired by the console, a timer or a level
    - {name: gust, sound: gust, label: Wind gust, on_level: [floor_20], every: 45}
```

A sound is either a file (``file:``, WAV, FLAC or Ogg Vorbis, next to the scenario or
in ``assets/``) or one the engine synthesises (``sound:``). Gain, pitch and whether a
loop plays may be parameter references (``gain: $wind``, ``playing: $engines``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Literal, get_args

from pydantic import Field, ValidationError

from vrtherapy.authoring.common import BoolOrRef, Model, Name, NumberOrRef, is_ref
from vrtherapy.authoring.yamlsource import DataPath

Synthesised = Literal[
    "wind",
    "gust",
    "rain",
    "room_tone",
    "engine_hum",
    "ventilation",
    "murmur",
    "traffic",
    "waves",
    "chime",
    "jet_engine",
    "applause",
    "question",
    "announcement",
    "rustle",
    "crockery",
]
SYNTHESISED: tuple[Synthesised, ...] = get_args(Synthesised)  # spelled once, above
SOUND_SUFFIXES = (".wav", ".flac", ".ogg")
GAIN_RANGE = (0.0, 4.0)
PITCH_RANGE = (0.25, 4.0)
Position = Annotated[list[NumberOrRef], Field(min_length=3, max_length=3)]


class _Sound(Model):
    name: Name
    file: str | None = None
    sound: Synthesised | None = None
    gain: NumberOrRef = 1.0
    pitch: NumberOrRef = 1.0


class BedSpec(_Sound):
    """A non-positional loop heard the same whichever way the client looks."""

    playing: BoolOrRef = True


class SourceSpec(_Sound):
    """A loop placed in the scene: at ``position`` (metres) from the object or partner
    it is attached to, or from the scene's origin; quieter with distance beyond
    ``distance``."""

    playing: BoolOrRef = True
    attach: Name | None = None
    position: Position = [0.0, 0.0, 0.0]
    distance: Annotated[float, Field(gt=0, le=1000)] = 2.0


class CueSpec(_Sound):
    """A one-shot with a name, fired from the console, on entering a level, or every
    ``every`` seconds while its scene is shown; positional when it has ``attach`` or
    ``position``."""

    label: str | None = None
    attach: Name | None = None
    position: Position | None = None
    distance: Annotated[float, Field(gt=0, le=1000)] = 2.0
    on_level: list[Name] = []
    every: Annotated[float, Field(ge=1, le=3600)] | None = None


class SoundsSpec(Model):
    beds: list[BedSpec] = []
    sources: list[SourceSpec] = []
    cues: list[CueSpec] = []

    def all(self) -> Iterator[tuple[str, int, _Sound]]:
        """(section, index in it, sound) of every sound."""
        for section in SECTIONS:
            for i, s in enumerate(getattr(self, section)):
                yield section, i, s

    @property
    def cue_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.cues)


SECTIONS: dict[str, type[_Sound]] = {"beds": BedSpec, "sources": SourceSpec, "cues": CueSpec}
Located = list[tuple[str, int, _Sound]]


def salvage(raw: object) -> Located:
    """The sounds that validate on their own, with their places, from a section that
    does not validate as a whole (so one run reports every kind of problem)."""
    out: Located = []
    if not isinstance(raw, dict):
        return out
    for section, model in SECTIONS.items():
        items = raw.get(section)
        if not isinstance(items, list):
            continue
        for i, item in enumerate(items):
            try:
                out.append((section, i, model.model_validate(item)))
            except ValidationError:
                continue
    return out


def moved_ambient_audio(value: object) -> None:
    """``environment.ambient_audio`` was absorbed into ``sounds:``; say where it went."""
    if value is not None:
        raise ValueError(
            "'ambient_audio' has moved to the scenario's 'sounds:' section | hint: write "
            "'sounds: {beds: [{name: ambience, sound: wind, gain: $wind}]}' at the top level"
        )


Report = Callable[[DataPath, str, str | None], None]


def check_sounds(
    sounds: Located,
    object_names: set[str],
    level_names: list[str],
    refs: Callable[[object, DataPath, str], None],
    file: Callable[[str, DataPath], None],
    report: Report,
) -> None:
    """Checks that need the rest of the scenario: objects, levels, parameters and files.

    ``refs`` checks a $reference against the parameters, ``file`` that a sound file
    exists and can be read, ``report`` adds a located problem.
    """
    seen: dict[str, DataPath] = {}
    for section, i, s in sounds:
        path: DataPath = ("sounds", section, i)
        if s.name in seen:
            report((*path, "name"), f"duplicate sound name '{s.name}'", "sound names are unique")
        seen.setdefault(s.name, path)
        if (s.file is None) == (s.sound is None):
            report(
                path,
                f"sound '{s.name}' needs exactly one of 'file' or 'sound'",
                "write 'sound: wind' for a synthesised sound or 'file: sounds/x.ogg'",
            )
        if s.file is not None:
            file(s.file, (*path, "file"))
        _number(s.gain, (*path, "gain"), GAIN_RANGE, refs, report)
        _number(s.pitch, (*path, "pitch"), PITCH_RANGE, refs, report)
        playing = getattr(s, "playing", True)
        refs(playing, (*path, "playing"), "boolean")
        attach = getattr(s, "attach", None)
        if attach is not None and attach not in object_names:
            from vrtherapy.authoring.validation import did_you_mean

            report(
                (*path, "attach"),
                f"sound '{s.name}' is attached to '{attach}', which is not an object or "
                "partner here",
                did_you_mean(attach, object_names, "objects and partners")
                if object_names
                else "this scenario has no objects or partners",
            )
        position = getattr(s, "position", None)
        if position is not None:
            refs(position, (*path, "position"), "number")
        for j, level in enumerate(getattr(s, "on_level", [])):
            if level not in level_names:
                from vrtherapy.authoring.validation import did_you_mean

                report(
                    (*path, "on_level", j),
                    f"cue '{s.name}' names an unknown level '{level}'",
                    did_you_mean(level, level_names, "levels"),
                )


def _number(
    value: object,
    path: DataPath,
    bounds: tuple[float, float],
    refs: Callable[[object, DataPath, str], None],
    report: Report,
) -> None:
    if is_ref(value):
        refs(value, path, "number")
    elif isinstance(value, int | float) and not bounds[0] <= value <= bounds[1]:
        report(path, f"{value:g} is outside {bounds[0]:g}–{bounds[1]:g}", None)
