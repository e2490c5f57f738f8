"""The scenario format (``scenes/*.yaml``): one exposure scene and its intensity model."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, Field, StringConstraints, ValidationError
from pydantic.json_schema import SkipJsonSchema

from vrtherapy.authoring.behaviour import BEHAVIOUR
from vrtherapy.authoring.character import (
    BONES,
    MODEL_SUFFIXES,
    MORPH_CHANNELS,
    VISEMES,
    CharacterField,
)
from vrtherapy.authoring.common import (
    COLOR_PATTERN,
    BoolOrRef,
    ColorOrRef,
    Id,
    Model,
    Name,
    NumberOrRef,
    Percent,
    is_ref,
    ref_name,
)
from vrtherapy.authoring.errors import AuthoringError, Problem
from vrtherapy.authoring.procedural import CATALOGUE, Arg
from vrtherapy.authoring.sounds import (
    SOUND_SUFFIXES,
    SoundsSpec,
    check_sounds,
    moved_ambient_audio,
)
from vrtherapy.authoring.sounds import salvage as salvage_sounds
from vrtherapy.authoring.validation import closest, did_you_mean, validate
from vrtherapy.authoring.yamlsource import DataPath, Document, SourceMap, read_yaml

Family = Literal[
    "heights",
    "spiders",
    "flying",
    "public_speaking",
    "social",
    "agoraphobia",
    "enclosed",
    "calm",
    "custom",
]
ParamValue = float | bool | str
SoundsLocated = tuple[tuple[str, int, Any], ...]
_M = TypeVar("_M", bound=BaseModel)
ASSET_SUFFIXES = (".glb", ".gltf", ".obj")
_COLOUR = re.compile(COLOR_PATTERN)


class ParameterSpec(Model):
    """A named knob of a scenario's intensity: a number, a boolean or a choice."""

    type: Literal["number", "boolean", "choice"]
    label: str | None = None
    description: str | None = None
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    choices: Annotated[list[str], Field(min_length=2)] | None = None


class LevelSpec(Model):
    """A named point on the intensity scale that gives every parameter a value."""

    name: Name
    title: str | None = None
    description: str | None = None
    intensity: Percent | None = None
    values: dict[str, ParamValue] = {}


class TransformSpec(Model):
    position: Annotated[list[NumberOrRef], Field(min_length=3, max_length=3)] = [0.0, 0.0, 0.0]
    rotation: Annotated[list[NumberOrRef], Field(min_length=3, max_length=3)] = [0.0, 0.0, 0.0]
    scale: NumberOrRef = 1.0


class MaterialSpec(Model):
    color: ColorOrRef | None = None
    opacity: NumberOrRef | None = None
    roughness: NumberOrRef | None = None
    emissive: NumberOrRef | None = None


class MotionKey(Model):
    """Where a moving object is when its driver reads ``at``: an offset added to the
    object's position (metres) and an optional turn added to its rotation (degrees)."""

    at: float
    offset: Annotated[list[float], Field(min_length=3, max_length=3)] = [0.0, 0.0, 0.0]
    rotation: Annotated[list[float], Field(min_length=3, max_length=3)] = [0.0, 0.0, 0.0]


class RideSpec(Model):
    """How a parameter-driven motion travels to a new value instead of jumping there:
    top speed and acceleration (also braking). The defaults are a calm passenger lift's
    (1 m/s, 0.4 m/s^2), gentle enough for a client in a headset: the picture moves with
    the car, never faster, never with a jolt."""

    speed: Annotated[float, Field(gt=0, le=10)] = 1.0  # m/s
    acceleration: Annotated[float, Field(gt=0, le=3)] = 0.4  # m/s^2
    # the floors it stops at (values of the driving parameter, lowest first): the client
    # and the therapist send the car to these (see vrtherapy.authoring.elevator)
    stops: Annotated[list[float], Field(min_length=2)] | None = None


class MotionSpec(Model):
    """Motion along a path of keys, driven by a number parameter or by the scene's clock.

    ``by: $floor`` places the object by the parameter's current value; ``by: time`` by the
    seconds since the scene began (times ``rate``), then holds at the last key (``once``),
    starts again (``loop``) or comes back (``back_and_forth``). Between keys the offset and
    rotation are interpolated linearly, so the pose is a pure function of value and time.
    """

    by: Annotated[str, Field(pattern=r"^(time|\$[a-z_][a-z0-9_]*)$")]
    keys: Annotated[list[MotionKey], Field(min_length=2)]
    repeat: Literal["once", "loop", "back_and_forth"] = "once"
    rate: NumberOrRef = 1.0
    # by a parameter: ride to a new value at this speed and acceleration (an elevator car)
    ride: RideSpec | None = None


ChoiceWords = Annotated[list[str], Field(min_length=1)]


class ObjectSpec(Model):
    """A thing in the scene: a procedural kind with arguments, or an asset file."""

    name: Name
    procedural: str | None = None
    asset: str | None = None
    args: dict[str, Any] = {}
    transform: TransformSpec = TransformSpec()
    material: MaterialSpec | None = None
    visible: BoolOrRef = True
    # shown only while each named choice parameter has one of the listed values
    visible_when: dict[Name, ChoiceWords] = {}
    motion: MotionSpec | None = None
    children: list[ObjectSpec] = []


class EnvironmentSpec(Model):
    sky: Literal["clear_day", "overcast", "dusk", "night", "indoor"] = "clear_day"
    lighting: Literal["daylight", "soft", "dim", "night", "indoor_warm", "indoor_cool"] = "daylight"
    fog: NumberOrRef = 0.0
    wind: NumberOrRef = 0.0
    # the sun casts shadows; unset: where there is a sun (a clear or dusk sky with daylight
    # or soft lighting), false turns them off for the scenario
    shadows: bool | None = None
    # absorbed into the scenario's ``sounds:``; kept only to say so where it is still written
    ambient_audio: Annotated[
        SkipJsonSchema[None], BeforeValidator(moved_ambient_audio), Field(exclude=True)
    ] = None


class VoiceSpec(Model):
    """How a partner's lines are synthesised: espeak-ng's voice name, words per minute and
    pitch; ``neural`` names a Piper voice used instead where it is installed (pitch does
    not apply to it)."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)?$")] = "en"
    rate: Annotated[int, Field(ge=80, le=450)] = 175
    pitch: Annotated[int, Field(ge=0, le=99)] = 50
    neural: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.+-]+$")] | None = None


class PartnerSpec(Model):
    """A virtual social partner; its lines come from the dialogue it names (a dialogue id).

    ``flags`` gives some of the dialogue's flags their start value, as booleans or
    ``$boolean`` parameters, so that a level chooses the path through the same
    dialogue (e.g. a critical interviewer's harder questions).
    """

    id: Name
    name: str
    role: str | None = None
    dialogue: Id | None = None
    flags: dict[Name, BoolOrRef] = {}
    voice: VoiceSpec = VoiceSpec()
    behaviour: dict[str, Any] = {}  # see vrtherapy.authoring.behaviour.BEHAVIOUR
    avatar: dict[str, Any] = {}
    model: CharacterField = None  # the clinic's own glTF character instead of the avatar
    transform: TransformSpec = TransformSpec()


class SkillSpec(Model):
    """A social skill the therapist scores 1–5 during a scenario (e.g. 'professionalism')."""

    name: Name
    label: str
    description: str | None = None


def _one_or_more(value: Any) -> Any:
    """``stimulus: spider`` is short for ``stimulus: [spider]``."""
    return [value] if isinstance(value, str) else value


# an object or partner, or a part inside one ('cabin/window'): what the behaviour measures
# take as the feared stimulus (see docs/behaviour-measures.md)
STIMULUS_PATTERN = r"^[a-z_][a-z0-9_]*(/[A-Za-z0-9_]+)*$"
StimulusRef = Annotated[str, StringConstraints(pattern=STIMULUS_PATTERN)]


class ScenarioSpec(Model):
    """A validated scenario. Build one with :func:`load_scenario`."""

    id: Id
    title: str
    family: Family
    description: str = ""
    language: Annotated[str, Field(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")] = "en"
    calm_scene: Id | None = "calm.room"
    overrides: bool = False  # a clinic file that replaces the stock scenario of the same id
    parameters: dict[Name, ParameterSpec] = {}
    levels: Annotated[list[LevelSpec], Field(min_length=1)]
    environment: EnvironmentSpec = EnvironmentSpec()
    objects: list[ObjectSpec] = []
    partners: list[PartnerSpec] = []
    skills: list[SkillSpec] = []  # scored 1–5 by the therapist (social scenarios)
    sounds: SoundsSpec = SoundsSpec()
    # the feared stimulus or the partner, for the behaviour measures (looking at it, closest
    # approach): objects or partners by name, or parts of them; the first on screen counts
    stimulus: Annotated[
        list[StimulusRef],
        # the JSON Schema allows the short form too, as the stock files write it
        BeforeValidator(_one_or_more, json_schema_input_type=StimulusRef | list[StimulusRef]),
    ] = []

    def level(self, name: str) -> LevelSpec:
        for lv in self.levels:
            if lv.name == name:
                return lv
        raise KeyError(name)

    @property
    def level_names(self) -> list[str]:
        return [lv.name for lv in self.levels]


@dataclass(frozen=True)
class _Parts:
    """The parts of a scenario that validated, each with its index in the file.

    When the whole file validates these are simply its sections; when it does not,
    the sections that still validate on their own are salvaged, so that one run
    reports problems of every kind, not only the structural ones.
    """

    parameters: dict[str, ParameterSpec]
    levels: list[tuple[int, LevelSpec]]
    all_levels_valid: bool
    environment: EnvironmentSpec | None
    objects: list[tuple[int, ObjectSpec]]
    partners: list[tuple[int, PartnerSpec]]
    sounds: SoundsLocated = ()
    skills: list[tuple[int, SkillSpec]] = field(default_factory=list)
    stimulus: list[tuple[DataPath, str]] = field(default_factory=list)

    @classmethod
    def of(cls, spec: ScenarioSpec, raw: Any = None) -> _Parts:
        return cls(
            dict(spec.parameters),
            list(enumerate(spec.levels)),
            True,
            spec.environment,
            list(enumerate(spec.objects)),
            list(enumerate(spec.partners)),
            tuple(spec.sounds.all()),
            list(enumerate(spec.skills)),
            _stimulus_paths(raw),
        )

    @classmethod
    def salvage(cls, data: Any) -> _Parts:
        if not isinstance(data, dict):
            return cls({}, [], False, None, [], [])
        raw_params = data.get("parameters")
        params: dict[str, ParameterSpec] = {}
        if isinstance(raw_params, dict):
            for name, raw in raw_params.items():
                p = _try(ParameterSpec, raw)
                if isinstance(name, str) and p is not None:
                    params[name] = p
        levels = _try_items(LevelSpec, data.get("levels"))
        raw_levels = data.get("levels")
        all_valid = isinstance(raw_levels, list) and len(levels) == len(raw_levels)
        env = _try(EnvironmentSpec, data.get("environment", {}))
        return cls(
            params,
            levels,
            all_valid,
            env,
            _try_items(ObjectSpec, data.get("objects")),
            _try_items(PartnerSpec, data.get("partners")),
            tuple(salvage_sounds(data.get("sounds", {}))),
            _try_items(SkillSpec, data.get("skills")),
            _stimulus_paths(data),
        )


def _stimulus_paths(data: Any) -> list[tuple[DataPath, str]]:
    """Each well-formed stimulus reference with where it is written (a string, or a
    list's items); a malformed one is reported by the format check alone."""
    raw = data.get("stimulus") if isinstance(data, dict) else None
    found: list[tuple[DataPath, Any]] = []
    if isinstance(raw, str):
        found = [(("stimulus",), raw)]
    elif isinstance(raw, list):
        found = [(("stimulus", i), v) for i, v in enumerate(raw)]
    return [(p, v) for p, v in found if isinstance(v, str) and re.match(STIMULUS_PATTERN, v)]


def _try(model: type[_M], raw: Any) -> _M | None:
    try:
        return model.model_validate(raw)
    except ValidationError:
        return None


def _try_items(model: type[_M], raw: Any) -> list[tuple[int, _M]]:
    if not isinstance(raw, list):
        return []
    out = []
    for i, item in enumerate(raw):
        v = _try(model, item)
        if v is not None:
            out.append((i, v))
    return out


class _Checker:
    """Checks that need the whole scenario: references, levels, assets."""

    def __init__(self, spec: _Parts, source: SourceMap, base_dirs: list[Path]) -> None:
        self.spec = spec
        self.source = source
        self.base_dirs = base_dirs
        self.problems: list[Problem] = []
        self.elevator: DataPath | None = None  # the motion with ride stops, if any

    def add(
        self, path: DataPath, message: str, hint: str | None = None, at_key: bool = False
    ) -> None:
        self.problems.append(self.source.problem(path, message, hint, at_key=at_key))

    def run(self) -> list[Problem]:
        for name, p in self.spec.parameters.items():
            self.parameter(("parameters", name), p)
        self.levels()
        self.objects(self.spec.objects, ("objects",), set())
        env = self.spec.environment
        if env is not None:
            self.refs(env.fog, ("environment", "fog"), "number")
            self.refs(env.wind, ("environment", "wind"), "number")
        if self.spec.sounds:
            check_sounds(
                list(self.spec.sounds),
                # sounds attach to objects and to partners (a partner's voice)
                _object_names(obj for _, obj in self.spec.objects)
                | {partner.id for _, partner in self.spec.partners},
                [lv.name for _, lv in self.spec.levels],
                self.refs,
                self.sound_file,
                lambda path, message, hint: self.add(path, message, hint),
            )
        seen: dict[str, int] = {}
        for i, partner in self.spec.partners:
            path: DataPath = ("partners", i)
            if partner.id in seen:
                self.add((*path, "id"), f"duplicate partner id '{partner.id}'")
            seen[partner.id] = i
            self.transform(partner.transform, (*path, "transform"))
            self.args("avatar", partner.avatar, (*path, "avatar"))
            if partner.model is not None:
                self.character(partner, path)
            self.args("behaviour", partner.behaviour, (*path, "behaviour"), BEHAVIOUR)
            for flag, value in partner.flags.items():
                self.refs(value, (*path, "flags", flag), "boolean")
        skills: set[str] = set()
        for i, skill in self.spec.skills:
            if skill.name in skills:
                self.add(("skills", i, "name"), f"duplicate skill '{skill.name}'")
            skills.add(skill.name)
        self.stimulus()
        return self.problems

    def character(self, partner: PartnerSpec, path: DataPath) -> None:
        """A partner's own glTF character: the file, and the names it maps."""
        model = partner.model
        assert model is not None
        mpath: DataPath = (*path, "model")
        if partner.avatar:
            self.add(
                (*path, "avatar"),
                f"partner '{partner.id}' has both 'avatar' arguments and a 'model'",
                "remove 'avatar:' (the model is shown as it is) or 'model:'",
                at_key=True,
            )
        self.file(model.file, (*mpath, "file"), MODEL_SUFFIXES, "character model")
        for key, table, what in (
            ("morphs", list(MORPH_CHANNELS), "face channel"),
            ("visemes", list(VISEMES), "viseme"),
            ("bones", list(BONES), "joint"),
        ):
            mapping: dict[str, Any] = getattr(model, key)
            for name, value in mapping.items():
                if name not in table:
                    self.add(
                        (*mpath, key, name),
                        f"'{name}' is not a {what} the engine drives",
                        did_you_mean(name, table, f"{what}s"),
                        at_key=True,
                    )
                names = value if isinstance(value, list) else [value]
                if not names or any(not n for n in names):
                    self.add((*mpath, key, name), f"'{name}' needs a name from the model")

    def stimulus(self) -> None:
        """A stimulus names an object or partner of this scenario (or a part inside one:
        the parts of procedural objects are known only once built, so only the first
        name of a path is checked here)."""
        known = _object_names(obj for _, obj in self.spec.objects) | {
            partner.id for _, partner in self.spec.partners
        }
        for path, ref in self.spec.stimulus:
            first = ref.split("/", 1)[0]
            if first not in known:
                self.add(
                    path,
                    f"stimulus '{ref}' names no object or partner of this scenario",
                    did_you_mean(first, sorted(known), "objects and partners")
                    if known
                    else "add the object under 'objects:' first",
                )

    def parameter(self, path: DataPath, p: ParameterSpec) -> None:
        if p.type == "number":
            if p.min is None or p.max is None:
                missing = "min" if p.min is None else "max"
                self.add(path, f"number parameter needs '{missing}'", "add 'min:' and 'max:'")
            elif p.min >= p.max:
                self.add((*path, "max"), f"max ({p.max:g}) must be greater than min ({p.min:g})")
            if p.choices is not None:
                self.add((*path, "choices"), "only a choice parameter has 'choices'", at_key=True)
        else:
            for key in ("min", "max", "unit"):
                if getattr(p, key) is not None:
                    self.add((*path, key), f"a {p.type} parameter has no '{key}'", at_key=True)
            if p.type == "choice" and p.choices is None:
                self.add(path, "choice parameter needs 'choices'", "add 'choices: [a, b]'")
            if p.type == "boolean" and p.choices is not None:
                self.add((*path, "choices"), "a boolean parameter has no 'choices'", at_key=True)
            if p.choices is not None and len(set(p.choices)) != len(p.choices):
                self.add((*path, "choices"), "choices must be different from each other")

    def levels(self) -> None:
        params = self.spec.parameters
        seen: dict[str, int] = {}
        last_anchor: float | None = None
        for i, lv in self.spec.levels:
            path: DataPath = ("levels", i)
            if lv.name in seen:
                self.add(
                    (*path, "name"),
                    f"duplicate level name '{lv.name}' (also level {seen[lv.name] + 1})",
                )
            seen.setdefault(lv.name, i)
            for missing in [p for p in params if p not in lv.values]:
                self.add(
                    (*path, "values"),
                    f"level '{lv.name}' does not set parameter '{missing}'",
                    f"add '{missing}: ...' to this level's values; every level sets every "
                    "parameter",
                )
            for key, value in lv.values.items():
                vpath = (*path, "values", key)
                if key not in params:
                    self.add(
                        vpath,
                        f"level '{lv.name}' sets unknown parameter '{key}'",
                        did_you_mean(key, params, "parameters")
                        if params
                        else "declare it under 'parameters:' first",
                        at_key=True,
                    )
                    continue
                self.value_fits(vpath, params[key], key, value)
            if lv.intensity is not None:
                if last_anchor is not None and lv.intensity <= last_anchor:
                    self.add(
                        (*path, "intensity"),
                        f"level intensities must increase: {lv.intensity:g} is not above "
                        f"{last_anchor:g}",
                    )
                last_anchor = lv.intensity
        anchors = [lv.intensity for _, lv in self.spec.levels]
        if (
            self.spec.all_levels_valid
            and any(a is not None for a in anchors)
            and any(a is None for a in anchors)
        ):
            self.add(
                ("levels",),
                "either every level sets 'intensity' or none does",
                "without 'intensity', levels are spread evenly over 0–100",
            )

    def value_fits(self, path: DataPath, p: ParameterSpec, name: str, value: Any) -> None:
        if p.type == "number":
            if isinstance(value, bool) or not isinstance(value, int | float):
                self.add(path, f"parameter '{name}' is a number, got {value!r}")
            elif p.min is not None and p.max is not None and not p.min <= value <= p.max:
                unit = f" {p.unit}" if p.unit else ""
                self.add(
                    path,
                    f"{value:g}{unit} is outside the range of '{name}' ({p.min:g}–{p.max:g}{unit})",
                )
        elif p.type == "boolean":
            if not isinstance(value, bool):
                self.add(path, f"parameter '{name}' is true or false, got {value!r}")
        elif p.choices is not None and value not in p.choices:
            self.add(
                path,
                f"'{value}' is not a choice of '{name}'",
                did_you_mean(str(value), p.choices, "choices"),
            )

    def refs(self, value: Any, path: DataPath, expected: str) -> None:
        """Check a value that may be a $reference (recursing into lists and mappings)."""
        if isinstance(value, list):
            for i, v in enumerate(value):
                self.refs(v, (*path, i), expected)
            return
        if not is_ref(value):
            return
        name = ref_name(value)
        p = self.spec.parameters.get(name)
        if p is None:
            hint = (
                did_you_mean(name, self.spec.parameters, "parameters")
                if self.spec.parameters
                else "this scenario declares no parameters"
            )
            self.add(path, f"'{value}' refers to an undefined parameter '{name}'", hint)
        elif expected != "any" and _kind(p.type) != expected:
            self.add(path, f"'{value}' is a {p.type} parameter, but a {expected} is needed here")

    def transform(self, t: TransformSpec, path: DataPath) -> None:
        self.refs(t.position, (*path, "position"), "number")
        self.refs(t.rotation, (*path, "rotation"), "number")
        self.refs(t.scale, (*path, "scale"), "number")

    def objects(self, objs: list[tuple[int, ObjectSpec]], path: DataPath, names: set[str]) -> None:
        for i, obj in objs:
            opath: DataPath = (*path, i)
            if obj.name in names:
                self.add((*opath, "name"), f"duplicate object name '{obj.name}'")
            names.add(obj.name)
            if (obj.procedural is None) == (obj.asset is None):
                self.add(
                    opath,
                    f"object '{obj.name}' needs exactly one of 'procedural' or 'asset'",
                    "write 'procedural: <kind>' for a built-in object or 'asset: <file>'",
                )
            if obj.procedural is not None:
                if obj.procedural not in CATALOGUE:
                    self.add(
                        (*opath, "procedural"),
                        f"unknown procedural kind '{obj.procedural}'",
                        did_you_mean(obj.procedural, CATALOGUE, "kinds"),
                    )
                else:
                    self.args(obj.procedural, obj.args, (*opath, "args"))
            elif obj.args:
                self.add((*opath, "args"), "'args' only applies to procedural objects", at_key=True)
            if obj.asset is not None:
                self.file(obj.asset, (*opath, "asset"), ASSET_SUFFIXES, "asset")
            self.transform(obj.transform, (*opath, "transform"))
            if obj.material is not None:
                m = obj.material
                mpath = (*opath, "material")
                self.refs(m.color, (*mpath, "color"), "choice")
                if m.color is not None and is_ref(m.color):
                    colour = self.spec.parameters.get(ref_name(m.color))
                    if colour is not None and colour.type == "choice":
                        self.colour_choices(ref_name(m.color), colour, (*mpath, "color"))
                for key in ("opacity", "roughness", "emissive"):
                    self.refs(getattr(m, key), (*mpath, key), "number")
            self.refs(obj.visible, (*opath, "visible"), "boolean")
            self.visible_when(obj.visible_when, (*opath, "visible_when"))
            if obj.motion is not None:
                self.motion(obj.motion, (*opath, "motion"))
            self.objects(list(enumerate(obj.children)), (*opath, "children"), names)

    def visible_when(self, when: dict[str, list[str]], path: DataPath) -> None:
        for name, words in when.items():
            wpath = (*path, name)
            p = self.spec.parameters.get(name)
            if p is None:
                self.add(
                    wpath,
                    f"visible_when names an undefined parameter '{name}'",
                    did_you_mean(name, self.spec.parameters, "parameters")
                    if self.spec.parameters
                    else "this scenario declares no parameters",
                    at_key=True,
                )
            elif p.type != "choice":
                self.add(
                    wpath,
                    f"visible_when needs a choice parameter, but '{name}' is a {p.type}",
                    "use 'visible: $name' for a boolean parameter",
                    at_key=True,
                )
            else:
                for i, word in enumerate(words):
                    if word not in (p.choices or []):
                        self.add(
                            (*wpath, i),
                            f"'{word}' is not a choice of '{name}'",
                            did_you_mean(word, p.choices or [], "choices"),
                        )

    def motion(self, m: MotionSpec, path: DataPath) -> None:
        ats = [k.at for k in m.keys]
        for i in range(1, len(ats)):
            if ats[i] <= ats[i - 1]:
                self.add(
                    (*path, "keys", i, "at"),
                    f"motion keys must be in increasing order of 'at': {ats[i]:g} is not "
                    f"above {ats[i - 1]:g}",
                )
        if m.by == "time":
            if ats[0] < 0:
                self.add((*path, "keys", 0, "at"), "a timed motion starts at 0 s or later")
            self.refs(m.rate, (*path, "rate"), "number")
            if m.ride is not None:
                self.add(
                    (*path, "ride"),
                    "'ride' applies only to a motion driven by a parameter",
                    "a timed motion already moves at the pace its keys set",
                    at_key=True,
                )
            return
        self.refs(m.by, (*path, "by"), "number")
        for key in ("repeat", "rate"):
            if key in m.model_fields_set:
                self.add(
                    (*path, key),
                    f"'{key}' applies only to a motion 'by: time'",
                    "a parameter-driven motion follows the parameter's value",
                    at_key=True,
                )
        p = self.spec.parameters.get(ref_name(m.by))
        lo, hi = (p.min, p.max) if p is not None else (None, None)
        if m.ride is not None and m.ride.stops is not None:
            if self.elevator is not None:
                self.add(
                    (*path, "ride", "stops"),
                    "only one object of a scenario may have ride stops (the elevator the "
                    "client and the therapist send to a floor)",
                    "an object that rides with the car can be its child",
                    at_key=True,
                )
            self.elevator = path
            self.stops(m.ride.stops, (*path, "ride", "stops"), ref_name(m.by), lo, hi)
        if lo is not None and hi is not None and (lo < ats[0] or hi > ats[-1]):
            self.add(
                (*path, "keys"),
                f"the keys cover {ats[0]:g}–{ats[-1]:g}, but '{ref_name(m.by)}' ranges "
                f"{lo:g}–{hi:g}",
                "add keys at the parameter's 'min' and 'max' (beyond the keys the object "
                "would stop at the end key)",
            )

    def stops(
        self, stops: list[float], path: DataPath, name: str, lo: float | None, hi: float | None
    ) -> None:
        """An elevator's floors: increasing, within the driving parameter's range."""
        for i in range(1, len(stops)):
            if stops[i] <= stops[i - 1]:
                self.add(
                    (*path, i),
                    f"stops must be listed lowest first: {stops[i]:g} is not above "
                    f"{stops[i - 1]:g}",
                )
        for i, stop in enumerate(stops):
            if (lo is not None and stop < lo) or (hi is not None and stop > hi):
                self.add(
                    (*path, i),
                    f"stop {stop:g} is outside the range of '{name}' "
                    f"({'' if lo is None else f'{lo:g}'}–{'' if hi is None else f'{hi:g}'})",
                    "list only floors the parameter can take",
                )

    def args(
        self, kind: str, args: dict[str, Any], path: DataPath, spec: dict[str, Arg] | None = None
    ) -> None:
        """Arguments of a procedural ``kind`` (or of ``spec``, e.g. a partner's behaviour)."""
        spec = CATALOGUE.get(kind, {}) if spec is None else spec
        for key, value in args.items():
            apath = (*path, key)
            arg = spec.get(key)
            if arg is None:
                self.add(
                    apath,
                    f"'{kind}' has no argument '{key}'",
                    did_you_mean(key, spec, "its arguments"),
                    at_key=True,
                )
                continue
            if is_ref(value):
                self.refs(value, apath, _kind(arg.type))
                param = self.spec.parameters.get(ref_name(value))
                if param is not None and _kind(param.type) == _kind(arg.type):
                    self.parameter_fits(kind, key, arg, ref_name(value), param, apath)
                continue
            error = _arg_error(arg, value)
            if error:
                self.add(apath, f"argument '{key}' of '{kind}': {error}")

    def parameter_fits(
        self, kind: str, key: str, arg: Arg, name: str, p: ParameterSpec, path: DataPath
    ) -> None:
        """Every value parameter ``name`` can take must be one the argument accepts: the
        builder would otherwise receive something it cannot show (and fall back or clamp)."""
        where = f"argument '{key}' of '{kind}'"
        if arg.type in ("number", "int") and p.min is not None and p.max is not None:
            lo = arg.min if arg.min is not None else p.min
            hi = arg.max if arg.max is not None else p.max
            if p.min < lo or p.max > hi:
                unit = f" {p.unit}" if p.unit else ""
                self.add(
                    path,
                    f"parameter '{name}' ranges {p.min:g}–{p.max:g}{unit}, but {where} "
                    f"accepts only {lo:g}–{hi:g}",
                    f"narrow the parameter's 'min'/'max' to {lo:g}–{hi:g}",
                )
        elif arg.type == "choice" and p.choices is not None:
            unknown = [c for c in p.choices if c not in arg.choices]
            if unknown:
                self.add(
                    path,
                    f"parameter '{name}' can be {_listing(unknown)}, which {where} does not "
                    f"know (it knows {_listing(list(arg.choices))})",
                    "use the argument's words as the parameter's choices",
                )
        elif arg.type == "color" and p.choices is not None:
            self.colour_choices(name, p, path)

    def colour_choices(self, name: str, p: ParameterSpec, path: DataPath) -> None:
        bad = [c for c in p.choices or [] if not _is_colour(c)]
        if bad:
            self.add(
                path,
                f"parameter '{name}' is used as a colour, but {_listing(bad)} is not a colour",
                "write colours like '#a0b0c0' as the parameter's choices",
            )

    def sound_file(self, name: str, path: DataPath) -> None:
        """A sound file must exist and decode: a broken file is found here, not in session."""
        if not self.file(name, path, SOUND_SUFFIXES, "sound file"):
            return
        import soundfile

        found = resolve_file(name, self.base_dirs)
        try:
            soundfile.info(str(found))
        except (RuntimeError, OSError) as exc:  # soundfile raises LibsndfileError(RuntimeError)
            self.add(path, f"sound file '{name}' cannot be read: {exc}")

    def file(self, name: str, path: DataPath, suffixes: tuple[str, ...], what: str) -> bool:
        """Whether the file has a known suffix and exists (else a problem is added)."""
        if not name.lower().endswith(suffixes):
            self.add(path, f"{what} '{name}' must be one of: {', '.join(suffixes)}")
            return False
        if resolve_file(name, self.base_dirs) is None:
            looked = ", ".join(str(d) for d in self.base_dirs)
            self.add(path, f"{what} '{name}' not found", f"looked in: {looked}")
            return False
        return True


def _object_names(objs: Iterable[ObjectSpec]) -> set[str]:
    names: set[str] = set()
    for obj in objs:
        names.add(obj.name)
        names |= _object_names(obj.children)
    return names


def _kind(param_type: str) -> str:
    return {"number": "number", "int": "number", "boolean": "boolean"}.get(param_type, "choice")


def _listing(words: list[str]) -> str:
    quoted = [f"'{w}'" for w in words]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def _is_colour(value: Any) -> bool:
    return isinstance(value, str) and bool(_COLOUR.match(value))


def _arg_error(arg: Arg, value: Any) -> str | None:
    if arg.type in ("number", "int"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"expected a number, got {value!r}"
        if arg.type == "int" and not float(value).is_integer():
            return f"expected a whole number, got {value!r}"
        if arg.min is not None and arg.max is not None and not arg.min <= value <= arg.max:
            return f"{value:g} is outside {arg.min:g}–{arg.max:g}"
    elif arg.type == "boolean":
        if not isinstance(value, bool):
            return f"expected true or false, got {value!r}"
    elif arg.type == "choice":
        if value not in arg.choices:
            guess = closest(str(value), arg.choices)
            extra = f" (did you mean '{guess}'?)" if guess else ""
            return f"'{value}' is not one of {', '.join(arg.choices)}{extra}"
    elif arg.type == "color" and not _is_colour(value):
        return f"expected a colour like '#a0b0c0', got {value!r}"
    return None


def resolve_file(name: str, base_dirs: list[Path]) -> Path | None:
    """Find an authored file reference relative to the given directories, in order."""
    for base in base_dirs:
        candidate = (base / name).resolve()
        if candidate.is_file():
            return candidate
    return None


def scenario_from_document(doc: Document, base_dirs: list[Path]) -> ScenarioSpec:
    spec, problems = validate(ScenarioSpec, doc)
    parts = _Parts.of(spec, doc.data) if spec is not None else _Parts.salvage(doc.data)
    problems = problems + _Checker(parts, doc.source, base_dirs).run()
    if problems or spec is None:
        raise AuthoringError(problems)
    return spec


def load_scenario(path: Path, asset_dirs: list[Path] | None = None) -> ScenarioSpec:
    """Load and validate one scenario file; raise AuthoringError listing every problem.

    Asset and audio paths are looked up next to the file first, then in ``asset_dirs``.
    """
    doc = read_yaml(path)
    return scenario_from_document(doc, [path.parent, *(asset_dirs or [])])
