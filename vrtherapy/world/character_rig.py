"""A glTF character as a scene-graph object that behaves like a partner.

:func:`build_character` turns a :class:`~vrtherapy.world.character.Character` and the
partner's ``model:`` mapping into a :class:`~vrtherapy.world.model.Built`: the file's
node tree as parts (its joints move in the scene graph like any part), its rigid
meshes as ordinary parts, its skinned and morphed meshes as skins, and one
:class:`CharacterRig` that plays the chosen clip, turns the head and eyes towards
what partner behaviour looks at (``AvatarBatch.gaze_target``, the client's tracked
head by default) and sets the face morph targets from the engine's channels
(jaw openness from lip sync, blinks, and valence as smile or frown). Pure numpy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vrtherapy.authoring.character import (
    DEFAULT_BONES,
    DEFAULT_MORPHS,
    DEFAULT_VISEMES,
    VISEMES,
    CharacterSpec,
)
from vrtherapy.world.character import Character, Clip
from vrtherapy.world.model import (
    GESTURE_CHANNELS,
    Animator,
    Built,
    Morpher,
    Part,
    PoseContext,
    Skin,
)
from vrtherapy.world.skin_animation import (
    clip_time,
    depth_levels,
    local_pose,
    morph_weights,
    world_pose,
)
from vrtherapy.world.transforms import identity, rot_x, rot_y, translate
from vrtherapy.world.types import F32, Material

HEAD_YAW_MAX, HEAD_PITCH = 1.1, (-0.5, 0.6)  # radians, as the procedural avatar
EYE_YAW_MAX, EYE_PITCH_MAX = 0.4, 0.3
BLINK_EVERY_S, BLINK_S = 4.0, 0.15


@dataclass(frozen=True)
class Mapping:
    """The partner's mapping resolved against one file: node indices and, per skin,
    the morph target indices each engine channel sets."""

    head: int | None
    eyes: tuple[int, ...]
    morphs: tuple[dict[str, npt.NDArray[np.int64]], ...]  # per skin: channel -> indices
    clip: Clip | None
    # per skin: viseme index -> target indices (only visemes the skin has targets for)
    visemes: tuple[dict[int, npt.NDArray[np.int64]], ...] = ()


def resolve_mapping(c: Character, spec: CharacterSpec) -> tuple[Mapping, list[str], list[str]]:
    """The mapping, its problems (names the author wrote that the file does not have) and
    notes (what the partner cannot do with this file)."""
    problems: list[str] = []
    notes: list[str] = []
    where = f"model '{spec.file}'"
    bones: dict[str, int | None] = {}
    for bone, default in DEFAULT_BONES.items():
        wanted = spec.bones.get(bone)
        if wanted is not None:
            found = c.names.index(wanted) if wanted in c.names else None
            if found is None:
                problems.append(
                    f"{where} has no joint '{wanted}' (for {bone}); it has: {_listing(c.names)}"
                )
        else:
            found = _by_default_name(c.names, default)
        bones[bone] = found
    eyes = tuple(i for i in (bones["left_eye"], bones["right_eye"]) if i is not None)
    if bones["head"] is None and "head" not in spec.bones:
        notes.append(
            f"{where} has no joint named '{DEFAULT_BONES['head']}': the partner cannot turn "
            "its head to look at the client; name its head joint under 'bones: {head: ...}'"
        )
    available = set(c.morph_names)

    def targets(
        wanted: dict[str, str | list[str]], defaults: dict[str, tuple[str, ...]]
    ) -> list[dict[str, npt.NDArray[np.int64]]]:
        per_skin: list[dict[str, npt.NDArray[np.int64]]] = [{} for _ in c.skinned]
        for channel, fallback in defaults.items():
            raw = wanted.get(channel)
            if raw is not None:
                names = [raw] if isinstance(raw, str) else list(raw)
                for n in names:
                    if n not in available:
                        problems.append(
                            f"{where} has no morph target '{n}' (for {channel}); it has: "
                            f"{_listing(c.morph_names) if available else 'none'}"
                        )
            else:
                names = [n for n in fallback if n in available]
            for k, part in enumerate(c.skinned):
                idx = [i for i, n in enumerate(part.mesh.morph_names) if n in names]
                if idx:
                    per_skin[k][channel] = np.asarray(idx, dtype=np.int64)
        return per_skin

    per_skin = targets(spec.morphs, DEFAULT_MORPHS)
    visemes = [
        {VISEMES.index(v): idx for v, idx in skin.items()}
        for skin in targets(spec.visemes, DEFAULT_VISEMES)
    ]
    clip = None
    if spec.clip is not None:
        try:
            clip = c.clip(spec.clip)
        except KeyError:
            clips = [cl.name for cl in c.clips]
            problems.append(
                f"{where} has no animation clip '{spec.clip}'; it has: "
                f"{_listing(clips) if clips else 'none'}"
            )
    mapping = Mapping(bones["head"], eyes, tuple(per_skin), clip, tuple(visemes))
    return mapping, problems, notes


def _by_default_name(names: tuple[str, ...], default: str) -> int | None:
    """A node called ``default``, ignoring case and a 'prefix:' (e.g. 'mixamorig:Head')."""
    want = default.lower()
    for i, n in enumerate(names):
        if n.rsplit(":", 1)[-1].lower() == want:
            return i
    return None


def _listing(names: tuple[str, ...] | list[str]) -> str:
    shown = ", ".join(names[:20])
    return shown + (f" and {len(names) - 20} more" if len(names) > 20 else "")


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "_-.:" else "_" for ch in name)


def build_character(c: Character, spec: CharacterSpec) -> tuple[Built, list[str], list[str]]:
    """The character as a built object, and the problems and notes of its mapping (see
    :func:`resolve_mapping`)."""
    mapping, problems, notes = resolve_mapping(c, spec)
    paths = _node_paths(c)
    children: dict[int, list[int]] = {}
    for i, p in enumerate(c.parent):
        children.setdefault(int(p), []).append(i)
    rigid: dict[int, list[Part]] = {}
    for k, r in enumerate(c.rigid):
        rigid.setdefault(r.node, []).append(Part(f"{k}#mesh", r.mesh, identity(), r.material))
    rest = local_pose(c, None, 0.0)

    def part(i: int) -> Part:
        kids = tuple(part(j) for j in children.get(i, [])) + tuple(rigid.get(i, []))
        return Part(paths[i].rsplit("/", 1)[-1], None, rest[i], Material(), kids)

    root = Part("", None, identity(), Material(), tuple(part(i) for i in children.get(-1, [])))
    skins = tuple(
        Skin(s.mesh, tuple(paths[j] for j in s.joints), s.inverse_binds, s.material)
        for s in c.skinned
    )
    rig = CharacterRig(c, paths, mapping)
    eyes = tuple(paths[i] for i in mapping.eyes) or (
        (paths[mapping.head],) if mapping.head is not None else ()
    )
    return Built(root, (rig,), skins=skins, morpher=rig, eyes=eyes), problems, notes


def _node_paths(c: Character) -> tuple[str, ...]:
    out: list[str] = []
    used: set[str] = set()
    for i, p in enumerate(c.parent):
        name = _safe(c.names[i])
        path = name if p < 0 else f"{out[p]}/{name}"
        k = 1
        while path in used:  # two names that differ only in characters made safe
            k += 1
            path = f"{name}_{k}" if p < 0 else f"{out[p]}/{name}_{k}"
        used.add(path)
        out.append(path)
    return tuple(out)


class CharacterRig(Animator, Morpher):
    """Plays a clip on a character's joints, aims its head and eyes, sets its face."""

    def __init__(self, c: Character, paths: tuple[str, ...], mapping: Mapping) -> None:
        self.character = c
        self._paths = paths
        self.mapping = mapping
        self._levels = depth_levels(c.parent)

    @property
    def paths(self) -> tuple[str, ...]:
        return self._paths

    def _clip_t(self, t: float) -> float:
        clip = self.mapping.clip
        return clip_time(clip, t) if clip is not None else 0.0

    def pose(self, t: float, ctx: PoseContext) -> F32:
        local = local_pose(self.character, self.mapping.clip, self._clip_t(t))
        target, nod = _gaze(ctx)
        if self.mapping.head is not None:
            self._look(local, ctx.root_world, target, nod, _shake(ctx))
        return local

    def _look(
        self,
        local: F32,
        root_world: F32,
        target: npt.NDArray[np.float64],
        nod: float,
        shake: float = 0.0,
    ) -> None:
        """Turn the head (and the eyes the rest of the way) towards a world point; ``shake``
        turns the head further (a head shake: the eyes stay on the point)."""
        c, head = self.character, self.mapping.head
        assert head is not None
        world = world_pose(c.parent, local, self._levels)
        aim = np.linalg.inv(root_world.astype(np.float64)) @ np.append(target, 1.0)
        eyes = self.mapping.eyes or (head,)
        start = world[list(eyes), :3, 3].mean(axis=0)
        d = aim[:3] - start
        yaw = math.atan2(d[0], d[2])
        pitch = math.atan2(-d[1], math.hypot(d[0], d[2]))
        head_yaw = float(np.clip(yaw, -HEAD_YAW_MAX, HEAD_YAW_MAX))
        head_pitch = float(np.clip(pitch, *HEAD_PITCH))
        head_yaw += shake
        turn = rot_y(head_yaw) @ rot_x(head_pitch + nod)
        _rotate_about(local, world, c.parent, head, turn)
        if not self.mapping.eyes:
            return
        world = world_pose(c.parent, local, self._levels)
        eye_yaw = float(np.clip(yaw - head_yaw, -EYE_YAW_MAX, EYE_YAW_MAX))
        eye_pitch = float(np.clip(pitch - head_pitch - nod, -EYE_PITCH_MAX, EYE_PITCH_MAX))
        total = rot_y(head_yaw + eye_yaw) @ rot_x(head_pitch + nod + eye_pitch)
        extra = total @ np.linalg.inv(turn)
        for e in self.mapping.eyes:
            _rotate_about(local, world, c.parent, e, extra.astype(np.float32))

    def weights(self, t: float, ctx: PoseContext) -> tuple[F32, ...]:
        out = list(morph_weights(self.character, self.mapping.clip, self._clip_t(t)))
        channels = _channels(t, ctx)
        viseme = _viseme(ctx)
        for k, per in enumerate(self.mapping.morphs):
            shapes = self.mapping.visemes[k] if self.mapping.visemes else {}
            shaped = False
            owned = np.zeros(0, np.int64)
            if viseme is not None and shapes:
                # lip sync knows the mouth shape: the visemes' targets form it (and no
                # other channel moves them), and the jaw channel stays out of it
                owned = np.concatenate(list(shapes.values()))
                out[k][owned] = 0.0
                if viseme in shapes and viseme != 0:
                    out[k][shapes[viseme]] = 1.0
                    shaped = True
            for channel, idx in per.items():
                v = channels.get(channel, math.nan)
                if math.isnan(v) or (channel == "jaw_open" and shaped):
                    continue
                out[k][idx[~np.isin(idx, owned)]] = np.float32(min(1.0, max(0.0, v)))
        return tuple(out)


def _rotate_about(local: F32, world: F32, parent: npt.NDArray[np.int32], i: int, r: F32) -> None:
    """Rotate node ``i`` by ``r`` (character space) about its own origin, in place."""
    p = world[i, :3, 3]
    new_world = translate(*p) @ r @ translate(*(-p)) @ world[i]
    par = int(parent[i])
    local[i] = new_world if par < 0 else np.linalg.inv(world[par]) @ new_world


def _gaze(ctx: PoseContext) -> tuple[npt.NDArray[np.float64], float]:
    """Where to look (world) and extra nod pitch: behaviour's batch or controls, else
    the client's eyes."""
    target = np.asarray(ctx.client_eye, dtype=np.float64)
    nod = 0.0
    b = ctx.batch
    if b is not None and len(b) == 1:
        if not np.isnan(b.gaze_target[0, 0]):
            target = b.gaze_target[0].astype(np.float64)
        nod = float(np.nan_to_num(b.nod_pitch[0]))
    c = ctx.controls.get("")
    if c is not None and c.gaze_target is not None:
        target = np.asarray(c.gaze_target, dtype=np.float64)
    return target, nod


def _shake(ctx: PoseContext) -> float:
    """Extra head yaw of a dialogue gesture (a head shake; ``AvatarBatch.gesture``)."""
    b = ctx.batch
    if b is None or len(b) != 1 or b.gesture is None:
        return 0.0
    return float(np.nan_to_num(b.gesture[0, GESTURE_CHANNELS.index("head_yaw")]))


def _viseme(ctx: PoseContext) -> int | None:
    """The mouth shape lip sync asks for (an index into VISEMES), or None."""
    c = ctx.controls.get("")
    if c is not None and c.viseme is not None:
        return c.viseme if 0 <= c.viseme < len(VISEMES) else None
    b = ctx.batch
    if b is not None and len(b) == 1 and b.viseme is not None:
        v = int(b.viseme[0])
        return v if 0 <= v < len(VISEMES) else None
    return None


def _channels(t: float, ctx: PoseContext) -> dict[str, float]:
    """The engine's face channels now: NaN leaves a channel to the clip."""
    phase = math.fmod(t, BLINK_EVERY_S)
    blink = max(0.0, 1.0 - abs(phase - BLINK_S / 2) / (BLINK_S / 2))
    out = {"jaw_open": math.nan, "blink": blink, "smile": math.nan, "frown": math.nan}
    b = ctx.batch
    if b is not None and len(b) == 1:
        for name, arr in (("jaw_open", b.jaw_open), ("blink", b.blink)):
            if not np.isnan(arr[0]):
                out[name] = float(arr[0])
        if not np.isnan(b.brows[0]):
            out["smile"] = max(0.0, float(b.brows[0]))
            out["frown"] = max(0.0, -float(b.brows[0]))
    c = ctx.controls.get("")
    if c is not None:
        if c.jaw_open is not None:
            out["jaw_open"] = c.jaw_open
        if c.blink is not None:
            out["blink"] = c.blink
        if c.brows is not None:
            out["smile"], out["frown"] = max(0.0, c.brows), max(0.0, -c.brows)
    return out
