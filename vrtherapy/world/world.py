"""A built scenario: scene graph from a ScenarioSpec and parameter values, live updates,
animation, and immutable draw lists for the renderer.

This is the world's imperative shell: it keeps the current values, time and the
graph. Everything it calls (builders, resolution, animation) is a pure function.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from vrtherapy.authoring.character import CharacterSpec
from vrtherapy.authoring.ride import RideLimits
from vrtherapy.authoring.scenario import (
    MaterialSpec,
    MotionSpec,
    ObjectSpec,
    ScenarioSpec,
    TransformSpec,
)
from vrtherapy.authoring.stock import assets_dir
from vrtherapy.world.assets import AssetError, AssetLoader, placeholder
from vrtherapy.world.character import read_character
from vrtherapy.world.character_rig import build_character
from vrtherapy.world.draw_table import Layout, layout
from vrtherapy.world.environment import look
from vrtherapy.world.geometry import rgba
from vrtherapy.world.graph import Fragment, SceneGraph, concatenate, flatten
from vrtherapy.world.model import (
    GESTURE_CHANNELS,
    Animator,
    AvatarBatch,
    AvatarControls,
    Built,
    Part,
    PoseContext,
    Skin,
)
from vrtherapy.world.motion import Leg, Motion
from vrtherapy.world.motion import Path as MotionPath
from vrtherapy.world.procedural import build as build_procedural
from vrtherapy.world.procedural.avatar import Crowd, Rig
from vrtherapy.world.resolve import MissingValue, Values, procedural_args, resolve
from vrtherapy.world.transforms import apply, identity, trs
from vrtherapy.world.types import (
    F32,
    DrawList,
    EnvironmentLook,
    InteriorLighting,
    Material,
    SkinnedItem,
    SkinnedMesh,
)

log = logging.getLogger(__name__)
T = TypeVar("T")
DEFAULT_EYE_HEIGHT = 1.6
_BUILD_CACHE_SIZE = 128


@dataclass(frozen=True)
class _Override:
    """An object's material, resolved: each field None where the author left it out."""

    color: tuple[float, float, float, float] | None
    opacity: float | None
    roughness: float | None
    emissive: float | None


@dataclass(frozen=True)
class _Object:
    """One authored object (or partner) resolved against the current values."""

    name: str
    parent: str | None
    transform: F32
    visible: bool
    override: _Override | None
    content: tuple[Any, ...]  # ("procedural", kind, args) or ("asset", file)
    motion: Motion | None = None


@dataclass(frozen=True)
class _Stand:
    """Where the client stands (their tracking-space origin, world space) and eye height."""

    point: tuple[float, float, float]
    eye_height: float


# which objects decide where the client stands, for a graph and its visibility: the first
# shown object with a stand point (its root node and the point, in it), and the eye height
_StandSource = tuple[
    SceneGraph, npt.NDArray[np.bool_], tuple[int, tuple[float, float, float]] | None, float
]


@dataclass(eq=False)
class _DrawCache:
    """How the shown items of one graph are laid out in a draw table (remade when
    visibility changes), and the last draw list with the world matrices it was made from."""

    graph: SceneGraph
    visible: npt.NDArray[np.bool_]  # graph.visible when the layout was made
    layout: Layout  # its ``order`` indexes graph nodes
    shown: npt.NDArray[np.bool_]  # (N,) nodes the draw list draws
    draw_list: DrawList | None = None
    world: F32 | None = None  # world matrices (world space) of that draw list (the pose's)
    shift: tuple[float, float, float] = (0.0, 0.0, 0.0)  # world -> the client's frame: -shift
    morphs: tuple[F32, ...] = ()  # the skins' morph weights when ``draw_list`` was made

    @staticmethod
    def start(graph: SceneGraph) -> _DrawCache:
        has_mesh = np.fromiter((m is not None for m in graph.meshes), bool, len(graph))
        shown = np.nonzero(graph.effective_visibility() & has_mesh)[0]
        meshes = [graph.meshes[i] for i in shown]
        lay = layout([m for m in meshes if m is not None], [graph.materials[i] for i in shown])
        mask = np.zeros(len(graph), bool)
        mask[shown] = True
        return _DrawCache(graph, graph.visible.copy(), replace(lay, order=shown[lay.order]), mask)


@dataclass(frozen=True, eq=False)
class _SkinBound:
    """A skin of a built object, its joints as graph indices."""

    skin: Skin
    joints: npt.NDArray[np.int64]
    root: int  # graph index of the object's root node


@dataclass(frozen=True)
class _Bound:
    animator: Animator
    indices: np.ndarray
    root: int  # graph index of the object's root node
    obj: str


@dataclass(frozen=True, eq=False)
class _People:
    """Every crowd (audiences, bystanders, partners) of the world, posed as one batch."""

    rig: Rig
    crowds: tuple[tuple[_Bound, Crowd], ...]
    sizes: npt.NDArray[np.int64]  # members per crowd
    starts: npt.NDArray[np.int64]  # first member of each crowd
    indices: npt.NDArray[np.int64]  # graph nodes of every member's joints, member-major

    @staticmethod
    def of(bounds: Sequence[_Bound]) -> _People | None:
        crowds = tuple((b, b.animator) for b in bounds if isinstance(b.animator, Crowd))
        if not crowds:
            return None
        sizes = np.array([len(c.prefixes) for _, c in crowds], np.int64)
        return _People(
            Rig.of([c for _, c in crowds]),
            crowds,
            sizes,
            np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64),
            np.concatenate([b.indices for b, _ in crowds]).astype(np.int64),
        )

    def batch(self, batches: Mapping[str, AvatarBatch]) -> AvatarBatch | None:
        """The objects' behaviour batches joined over all members (NaN: automatic)."""
        given = [
            (k, b)
            for k, (bound, crowd) in enumerate(self.crowds)
            if (b := batches.get(bound.obj)) is not None and len(b) == len(crowd.prefixes)
        ]
        if not given:
            return None
        n = len(self.rig)
        shaped = any(b.viseme is not None for _, b in given)
        gesturing = any(b.gesture is not None for _, b in given)
        if len(given) == len(self.crowds) and not shaped and not gesturing:
            # every crowd has its batch (the crowds in order): joined as they are
            def joined(field: str) -> npt.NDArray[np.float64]:
                return np.concatenate([getattr(b, field) for _, b in given], dtype=np.float64)

            return AvatarBatch(
                joined("gaze_target"), joined("jaw_open"), joined("blink"), joined("brows"),
                joined("nod_pitch"),
            )  # fmt: skip
        out = AvatarBatch(
            np.full((n, 3), np.nan), np.full(n, np.nan), np.full(n, np.nan),
            np.full(n, np.nan), np.zeros(n),
            np.full(n, -1, np.int64) if shaped else None,
            np.zeros((n, len(GESTURE_CHANNELS))) if gesturing else None,
        )  # fmt: skip
        for k, b in given:
            at = slice(int(self.starts[k]), int(self.starts[k] + self.sizes[k]))
            out.gaze_target[at] = b.gaze_target
            out.jaw_open[at] = b.jaw_open
            out.blink[at] = b.blink
            out.brows[at] = b.brows
            out.nod_pitch[at] = b.nod_pitch
            if out.viseme is not None and b.viseme is not None:
                out.viseme[at] = b.viseme
            if out.gesture is not None and b.gesture is not None:
                out.gesture[at] = b.gesture
        return out

    def requests(
        self, controls: Mapping[str, Mapping[str, AvatarControls]]
    ) -> list[tuple[int, AvatarControls]]:
        out: list[tuple[int, AvatarControls]] = []
        for k, (bound, crowd) in enumerate(self.crowds):
            per = controls.get(bound.obj)
            if per:
                first = int(self.starts[k])
                out.extend((first + i, c) for i, c in crowd.requests(per))
        return out


class World:
    """The scene graph of one scenario at its current parameter values and time."""

    def __init__(
        self,
        spec: ScenarioSpec,
        values: Values,
        *,
        seed: int = 0,
        asset_dirs: Sequence[Path] = (),
        loader: AssetLoader | None = None,
    ) -> None:
        self.spec = spec
        self.seed = seed
        self.loader = loader or AssetLoader(list(asset_dirs) or [assets_dir()])
        self.builds = 0  # builder calls so far (a parameter change rebuilds only what changed)
        self._built: OrderedDict[tuple[Any, ...], Built] = OrderedDict()
        self._fragments: dict[int, Fragment] = {}
        self._failed_assets: dict[str, str] = {}
        self._character_notes: dict[tuple[Any, ...], list[str]] = {}
        self._morphs: tuple[F32, ...] = ()
        self._controls: dict[str, dict[str, AvatarControls]] = {}
        self._batches: dict[str, AvatarBatch] = {}
        self._client_head: tuple[float, float, float] | None = None
        self._t = 0.0
        # held still (a pause): the time the picture shows, while rides wait; None: animated
        self._held_at: float | None = None
        self._draw_cache: _DrawCache | None = None
        self._stand_source: _StandSource | None = None  # see _stand
        self._kept_roots: tuple[_People, F32] | None = None  # see _member_roots
        # the graph, the pose count, its local and world matrices at that pose
        self._world_cache: tuple[SceneGraph, int, F32, F32] | None = None
        self._posed = 0  # poses so far (_pose counts them)
        self._extents: tuple[SceneGraph, dict[str, _Extent]] | None = None
        self._values: dict[str, Any] = {}
        self.problems: tuple[str, ...] = ()
        self.set_parameters(values)

    # -- parameters -----------------------------------------------------------------------

    @property
    def values(self) -> Mapping[str, Any]:
        return dict(self._values)

    @property
    def graph(self) -> SceneGraph:
        return self._graph

    @property
    def skinned_meshes(self) -> tuple[SkinnedMesh, ...]:
        """The skinned meshes of the world's characters (shown or not), each once: what
        the GPU needs beside the graph's meshes to draw any of its levels."""
        unique = {b.skin.mesh.key: b.skin.mesh for b in self._skins}
        return tuple(unique.values())

    def set_parameters(self, values: Values) -> None:
        """Apply new parameter values. Objects whose resolved arguments did not change keep
        their built parts and meshes; assets are never read again."""
        self._values = dict(values)
        problems: list[str] = []
        objects = list(self._resolve_objects(problems))
        fragments: list[tuple[Fragment, int, str]] = []
        index_of: dict[str, int] = {}
        offset = 0
        builts: list[Built] = []
        for obj in objects:
            built = self._content(obj, problems)
            frag = self._fragment(built)
            frag = _with_object(frag, obj, built)
            parent = index_of[obj.parent] if obj.parent is not None else -1
            index_of[obj.name] = offset
            fragments.append((frag, parent, obj.name))
            offset += len(frag.paths)
            builts.append(built)
        self._graph, offsets = concatenate(fragments)
        self._objects = objects
        self._object_names = frozenset(o.name for o in objects)
        self._builts = builts
        self._roots = [offsets[i] for i in range(len(objects))]
        self._bound = [
            _Bound(
                a,
                np.asarray([offsets[i] + frag.index()[p] for p in a.paths], np.int64),
                offsets[i],
                obj.name,
            )
            for i, ((frag, _, _), obj, built) in enumerate(
                zip(fragments, objects, builts, strict=True)
            )
            for a in built.animators
        ]
        self._skins = [
            _SkinBound(
                skin,
                np.asarray([offsets[i] + frag.index()[p] for p in skin.joints], np.int64),
                offsets[i],
            )
            for i, ((frag, _, _), built) in enumerate(zip(fragments, builts, strict=True))
            for skin in built.skins
        ]
        self._morphers = [
            (built, offsets[i], obj.name)
            for i, (obj, built) in enumerate(zip(objects, builts, strict=True))
            if built.skins
        ]
        self._eyes = {
            obj.name: np.asarray([offsets[i] + frags.index()[p] for p in built.eyes], np.int64)
            for i, (obj, built, (frags, _, _)) in enumerate(
                zip(objects, builts, fragments, strict=True)
            )
            if built.eyes
        }
        self._interiors = [
            (offsets[i], offsets[i] + frags.index()[built.interior.part], built.interior)
            if built.interior.part
            else (offsets[i], offsets[i], built.interior)
            for i, (built, (frags, _, _)) in enumerate(zip(builts, fragments, strict=True))
            if built.interior is not None
        ]
        self._people = _People.of(self._bound)
        self._bound = [b for b in self._bound if not isinstance(b.animator, Crowd)]
        self._rest = self._graph.local.copy()
        riding = self.ride_states() if hasattr(self, "_moving") else {}
        self._moving = [
            (self._roots[i], obj.motion, obj.name)
            for i, obj in enumerate(objects)
            if obj.motion is not None
        ]
        self._legs: dict[str, Leg] = {}
        self._start_rides(riding, self._t)
        self.problems = tuple(dict.fromkeys(problems))
        for p in self.problems:
            log.warning("scenario %s: %s", self.spec.id, p)
        env = self.spec.environment
        fog = self._number(env.fog, 0.0, "environment fog", problems)
        self._wind = self._number(env.wind, 0.0, "environment wind", problems)
        self._look = look(env.sky, env.lighting, fog, env.shadows)
        self._pose()

    def _number(self, raw: Any, default: float, what: str, problems: list[str]) -> float:
        try:
            v = resolve(raw, self._values)
        except MissingValue as e:
            problems.append(f"{what} refers to ${e.args[0]}, which has no value")
            return default
        return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else default

    def _resolve_objects(self, problems: list[str]) -> Iterator[_Object]:
        def visit(objs: Sequence[ObjectSpec], parent: str | None) -> Iterator[_Object]:
            for o in objs:
                content: tuple[Any, ...]
                if o.procedural is not None:
                    args, probs = procedural_args(o.procedural, o.args, self._values)
                    problems.extend(f"object '{o.name}': {p}" for p in probs)
                    content = ("procedural", o.procedural, tuple(sorted(args.items())))
                else:
                    content = ("asset", o.asset)
                yield _Object(
                    o.name,
                    parent,
                    self._transform(o.transform, o.name, problems),
                    self._visible(o.visible, o.name, problems)
                    and self._visible_when(o.visible_when, o.name, problems),
                    self._material(o.material, o.name, problems),
                    content,
                    self._motion(o.motion, o.name, problems),
                )
                yield from visit(o.children, o.name)

        yield from visit(self.spec.objects, None)
        for p in self.spec.partners:
            args, probs = procedural_args("avatar", p.avatar, self._values)
            problems.extend(f"partner '{p.id}': {q}" for q in probs)
            if p.model is not None:
                content: tuple[Any, ...] = ("character", *_character_key(p.model))
            else:
                content = ("procedural", "avatar", tuple(sorted(args.items())))
            transform = self._transform(p.transform, p.id, problems)
            yield _Object(p.id, None, transform, True, None, content)

    def _transform(self, t: TransformSpec, name: str, problems: list[str]) -> F32:
        try:
            pos = [float(v) for v in resolve(t.position, self._values)]
            rot = [float(v) for v in resolve(t.rotation, self._values)]
            s = float(resolve(t.scale, self._values))
        except (MissingValue, TypeError, ValueError) as e:
            problems.append(f"object '{name}': transform could not be resolved ({e})")
            return identity()
        return trs(pos, rot, s)

    def _material(self, m: MaterialSpec | None, name: str, problems: list[str]) -> _Override | None:
        if m is None:
            return None
        try:
            color = resolve(m.color, self._values)
            nums = [resolve(v, self._values) for v in (m.opacity, m.roughness, m.emissive)]
        except MissingValue as e:
            problems.append(f"object '{name}': material refers to ${e.args[0]}, which has no value")
            return None
        c = rgba(color) if isinstance(color, str) and color.startswith("#") else None
        f = [
            float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None
            for v in nums
        ]
        return _Override(c, f[0], f[1], f[2])

    def _visible(self, raw: Any, name: str, problems: list[str]) -> bool:
        try:
            v = resolve(raw, self._values)
        except MissingValue as e:
            problems.append(f"object '{name}': visible refers to ${e.args[0]}, which has no value")
            return True
        return bool(v)

    def _visible_when(self, when: Mapping[str, list[str]], name: str, problems: list[str]) -> bool:
        """Whether every named choice parameter has one of its listed values now."""
        shown = True
        for param, words in when.items():
            if param not in self._values:
                problems.append(
                    f"object '{name}': visible_when refers to ${param}, which has no value"
                )
                continue
            shown = shown and self._values[param] in words
        return shown

    def _motion(self, m: MotionSpec | None, name: str, problems: list[str]) -> Motion | None:
        if m is None:
            return None
        path = MotionPath(
            tuple(k.at for k in m.keys),
            tuple((k.offset[0], k.offset[1], k.offset[2]) for k in m.keys),
            tuple((k.rotation[0], k.rotation[1], k.rotation[2]) for k in m.keys),
        )
        if m.by == "time":
            rate = self._number(m.rate, 1.0, f"object '{name}': motion rate", problems)
            return Motion(path, None, rate, m.repeat)
        value = self._number(m.by, path.at[0], f"object '{name}': motion", problems)
        ride = None if m.ride is None else RideLimits(m.ride.speed, m.ride.acceleration)
        return Motion(path, value, ride=ride)

    def _content(self, obj: _Object, problems: list[str]) -> Built:
        key = (obj.content, self.seed)
        cached = self._built.get(key)
        if cached is not None:
            self._built.move_to_end(key)
            problems.extend(self._character_notes.get(key, ()))
            return cached
        if obj.content[0] == "character":
            built = self._character(obj, key, problems)
        elif obj.content[0] == "asset":
            name = str(obj.content[1])
            part = self._load(name, name, f"object '{obj.name}'", self.loader.load, problems)
            if part is None:
                return _placeholder()
            built = Built(part)
        else:
            _, kind, args = obj.content
            self.builds += 1
            try:
                built = build_procedural(kind, dict(args), self.seed)
            except Exception:  # a builder bug must not take the client's view down
                log.exception("building %s '%s' failed", kind, obj.name)
                problems.append(
                    f"object '{obj.name}': building '{kind}' failed; showing a placeholder box"
                )
                return _placeholder()
        if built.root is _PLACEHOLDER_ROOT:
            return built
        self._built[key] = built
        while len(self._built) > _BUILD_CACHE_SIZE:
            self._built.popitem(last=False)
        return built

    def _load(
        self, failed: str, name: str, who: str, load: Callable[[str], T], problems: list[str]
    ) -> T | None:
        """``load(name)`` for ``who``, or None after saying why in ``problems`` (remembered
        under ``failed``, so a broken file is not read again): a broken file must never
        take the scenario down, it shows a placeholder box."""
        if failed in self._failed_assets:
            problems.append(self._failed_assets[failed])
            return None
        try:
            return load(name)
        except Exception as e:
            if not isinstance(e, AssetError):
                log.exception("loading '%s' for %s failed", name, who)
            message = f"{who}: {e}; showing a placeholder box"
            self._failed_assets[failed] = message
            problems.append(message)
            return None

    def _character(self, obj: _Object, key: tuple[Any, ...], problems: list[str]) -> Built:
        """A partner's own glTF character; a broken file shows the placeholder box."""
        spec = _character_spec(obj.content)

        def load(name: str) -> tuple[Built, list[str], list[str]]:
            return build_character(self.loader.read(name, read_character), spec)

        # an object may show the same file as a plain asset: its failure is kept apart
        loaded = self._load(
            f"model:{spec.file}", spec.file, f"partner '{obj.name}'", load, problems
        )
        if loaded is None:
            return _placeholder()
        built, problems_, notes_ = loaded
        notes = [f"partner '{obj.name}': {n}" for n in (*problems_, *notes_)]
        self._character_notes[key] = notes
        problems.extend(notes)
        return built

    def _fragment(self, built: Built) -> Fragment:
        frag = self._fragments.get(id(built.root))
        if frag is None:
            frag = flatten(built.root)
            self._fragments[id(built.root)] = frag
            if len(self._fragments) > 4 * _BUILD_CACHE_SIZE:
                live = {id(b.root) for b in self._built.values()}
                self._fragments = {k: v for k, v in self._fragments.items() if k in live}
        return frag

    # -- animation and avatar control ----------------------------------------------------

    def control_avatar(self, name: str, controls: AvatarControls | None) -> None:
        """Drive an avatar's rig (gaze, jaw, blink, nod, brows). ``name`` is an object or
        partner name, or 'object/member' for one person of a crowd; None releases it."""
        obj, _, inner = name.partition("/")
        if obj not in {o.name for o in self._objects}:
            raise KeyError(f"no object or partner named '{obj}'")
        per = self._controls.setdefault(obj, {})
        if controls is None:
            per.pop(inner, None)
        else:
            per[inner] = controls
        self._pose()

    def control_avatars(self, name: str, batch: AvatarBatch | None) -> None:
        """Drive every avatar of object or partner ``name`` at once (one array per channel,
        over its members in order); None releases them. Takes effect at the next
        :meth:`advance`, so a caller that sets the batch every frame poses once."""
        if name not in self._object_names:
            raise KeyError(f"no object or partner named '{name}'")
        if batch is None:
            self._batches.pop(name, None)
        else:
            self._batches[name] = batch

    def set_client_head(self, point: tuple[float, float, float] | None) -> None:
        """Where the client's tracked head is, in world (scenario) space; avatars look at it.
        None: assume the client stands at the stand point at the default eye height."""
        self._client_head = point

    def tracking_to_world(self, point: tuple[float, float, float]) -> tuple[float, float, float]:
        """A point in the renderer's tracking space (floor under the client at the origin;
        see :meth:`draw_list` and the renderer's ``standing_height``) in world space."""
        x, y, z = self._stand().point
        return (point[0] + x, point[1] + y, point[2] + z)

    def advance(self, t_seconds: float) -> None:
        """Pose every animated part for time ``t_seconds`` (a pure function of time). After
        :meth:`hold`, a ride goes on from where the held picture showed it: it starts
        later by the time it was held, so the car never jumps on resume."""
        if self._held_at is not None:
            self._delay_rides(float(t_seconds) - self._held_at)
            self._held_at = None
        self._t = float(t_seconds)
        self._pose()

    def hold(self, t_seconds: float) -> None:
        """Show the scene still as it was at ``t_seconds`` (a pause): rides under way wait
        where they are, however long the hold, and go on at the next :meth:`advance`."""
        t = float(t_seconds)
        if self._held_at is not None and self._held_at != t:
            self._delay_rides(t - self._held_at)  # held on at another time: rides stay put
        self._held_at = t
        self._t = t
        self._pose()

    def _delay_rides(self, seconds: float) -> None:
        self._legs = {n: replace(leg, t0=leg.t0 + seconds) for n, leg in self._legs.items()}

    def _pose(self) -> None:
        self._posed += 1
        local = self._graph.local
        # back to rest where something besides the crowds moves nodes (the crowds set all
        # the nodes they pose, and no one else writes the others)
        if self._moving or self._bound:
            local[:] = self._rest
        # authored motion first: it moves whole objects (and the client standing on one),
        # which the animators below see through the root's world matrix and the eye
        for index, motion, name in self._moving:
            local[index] = motion.place(self._t, local[index], self._legs.get(name))
        if self._client_head is not None:
            client_eye = self._client_head
        else:
            stand = self._stand()
            x, y, z = stand.point
            client_eye = (x, y + stand.eye_height, z)
        for b in self._bound:
            ctx = PoseContext(
                self._world_of(b.root),
                client_eye,
                self._controls.get(b.obj, {}),
                self._wind,
                self._batches.get(b.obj),
            )
            local[b.indices] = b.animator.pose(self._t, ctx)
        people = self._people
        if people is not None:  # every avatar of every object in one vectorised pass
            local[people.indices] = people.rig.pose(
                self._t,
                self._member_roots(people),
                client_eye,
                people.batch(self._batches),
                people.requests(self._controls),
            ).reshape(-1, 4, 4)
        self._morphs = tuple(self._morph_weights(client_eye))

    def _member_roots(self, people: _People) -> F32:
        """Each crowd member's object root in world space, (N, 4, 4). Kept while nothing
        can move an object (no authored motion, no animator but the crowds')."""
        kept = self._kept_roots
        if kept is not None and kept[0] is people:
            return kept[1]
        roots = np.stack([self._world_of(b.root) for b, _ in people.crowds])
        out = np.repeat(roots, people.sizes, axis=0)
        out.flags.writeable = False
        self._kept_roots = (people, out) if not self._moving and not self._bound else None
        return out

    def _morph_weights(self, client_eye: tuple[float, float, float]) -> Iterator[F32]:
        """Each skin's morph weights now (after the joints are posed)."""
        for built, root, name in self._morphers:
            if built.morpher is None:
                yield from (np.zeros(len(s.mesh.morph_names), np.float32) for s in built.skins)
                continue
            ctx = PoseContext(
                self._world_of(root),
                client_eye,
                self._controls.get(name, {}),
                self._wind,
                self._batches.get(name),
            )
            yield from built.morpher.weights(self._t, ctx)

    @property
    def time(self) -> float:
        return self._t

    # -- rides (motion with ``ride:`` limits) ------------------------------------------------

    def ride_states(self, t: float | None = None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Offset (metres) and velocity (m/s) of every object that rides, by name, at time
        ``t`` (default: the time last advanced to)."""
        at = self._t if t is None else t
        return {
            name: motion.riding(at, self._legs.get(name))
            for _, motion, name in self._moving
            if motion.ride is not None
        }

    def continue_rides(self, previous: World | None, now: float) -> None:
        """Take over from ``previous``, the same scenario at other values that was on
        screen until ``now``: an object that rides leaves from where it is there, at the
        speed it has there, for where this world's values put it (an elevator car sent
        to another floor travels there instead of jumping). Another scenario, or none:
        every object stands where its values put it. ``previous`` held still (a pause):
        this world is held at the same time and its rides leave from where the held
        picture shows them when the scene moves again."""
        self._legs = {}
        self._held_at = None
        if previous is None or previous is self or previous.spec.id != self.spec.id:
            return
        held = previous._held_at
        at = now if held is None else held
        self._start_rides(previous.ride_states(at), at)
        if held is not None:
            self._held_at = held
            self._t = held

    def _start_rides(self, riding: Mapping[str, tuple[np.ndarray, np.ndarray]], now: float) -> None:
        for name, (offset, velocity) in riding.items():
            mine = next((m for _, m, n in self._moving if n == name and m.ride), None)
            if mine is None:
                continue
            target, _ = mine.riding(now, None)
            if np.allclose(target, offset, atol=1e-6) and not velocity.any():
                continue
            self._legs[name] = Leg(
                (float(offset[0]), float(offset[1]), float(offset[2])),
                (float(velocity[0]), float(velocity[1]), float(velocity[2])),
                now,
            )

    def _world_of(self, index: int) -> F32:
        chain = []
        while index >= 0:
            chain.append(self._graph.local[index])
            index = int(self._graph.parent[index])
        out = identity()
        for m in reversed(chain):
            out = out @ m
        return out

    def _stand(self, world: F32 | None = None) -> _Stand:
        """The first visible object that says where the client stands on it decides the
        client's floor point (default: the origin); likewise for the eye height. Which
        objects those are is worked out again only when visibility changes; the stand
        point follows its object's motion (``world``: the world matrices at the current
        pose, where the caller has them)."""
        graph = self._graph
        source = self._stand_source
        if source is None or source[0] is not graph or not np.array_equal(source[1], graph.visible):
            vis = graph.effective_visibility()
            stand = next(
                ((r, b.stand) for r, b in zip(self._roots, self._builts, strict=True)
                 if vis[r] and b.stand is not None),
                None,
            )  # fmt: skip
            eye = next(
                (b.eye_height for r, b in zip(self._roots, self._builts, strict=True)
                 if vis[r] and b.eye_height is not None),
                DEFAULT_EYE_HEIGHT,
            )  # fmt: skip
            source = self._stand_source = (graph, graph.visible.copy(), stand, eye)
        _, _, stand, eye = source
        if stand is None:
            return _Stand((0.0, 0.0, 0.0), eye)
        root, on = stand
        p = apply(self._world_of(root) if world is None else world[root], np.array(on))[0]
        return _Stand((float(p[0]), float(p[1]), float(p[2])), eye)

    @property
    def stand_point(self) -> tuple[float, float, float]:
        """Where the client stands now, in world (scenario) space: the floor point under
        their eyes, which the draw list puts at x = z = 0."""
        return self._stand().point

    # -- output ----------------------------------------------------------------------------

    def eyes_of(self, name: str) -> F32 | None:
        """Where an object's eyes are now (world), for objects that say (glTF characters);
        None for the others."""
        idx = self._eyes.get(name)
        if idx is None:
            return None
        out: F32 = self._graph.world_matrices()[idx, :3, 3].mean(axis=0)
        return out

    def shown_centre(self, refs: Sequence[str]) -> tuple[float, float, float] | None:
        """Where the first of ``refs`` (objects, partners, or parts named by the end of their
        path: the scenario's ``stimulus``) that the last :meth:`draw_list` drew is, in the
        client's frame (tracking space: the stand point at x = z = 0, the floor the client
        stands on at y = 0): the centre of the box around its drawn meshes (a large object
        such as an audience: measured once, then moved with its root; see ``_Extent``).
        None when none of them was drawn. Cheap enough for the render thread: it reads the
        draw list's world matrices and recomputes none."""
        cache = self._draw_cache
        if (
            cache is None
            or cache.graph is not self._graph
            or cache.world is None
            or cache.draw_list is None
        ):
            return None
        extents = self._extents
        if extents is None or extents[0] is not cache.graph:
            extents = self._extents = (cache.graph, {})
        for ref in refs:
            ext = extents[1].get(ref)
            if ext is None:
                ext = extents[1][ref] = _extent(cache.graph, ref)
            drawn = cache.shown[ext.nodes]
            if not drawn.any():
                continue
            if len(ext.nodes) <= _EXACT_PARTS or ext.root < 0:
                mid = _box_centre(cache.world, ext, drawn)
            else:
                root = cache.world[ext.root].astype(np.float64)
                if ext.in_root is None:
                    here = np.append(_box_centre(cache.world, ext, drawn), 1.0)
                    ext.in_root = (np.linalg.inv(root) @ here)[:3].astype(np.float32)
                mid = (root[:3, :3] @ ext.in_root + root[:3, 3]).astype(np.float32)
            mid = mid - np.asarray(cache.shift, np.float32)  # into the client's frame
            floor = cache.draw_list.standing_height
            return (float(mid[0]), float(mid[1] - floor), float(mid[2]))
        return None

    def world_matrix(self, name: str) -> F32:
        """The current world transform of a node, by its full name ('object/part/...')."""
        m: F32 = self._world_matrices()[self._graph.index(name)].copy()
        return m

    def world_matrices_of(self, indices: npt.NDArray[np.int64]) -> F32:
        """Current world transforms (n, 4, 4) of nodes by graph index (``graph.index``),
        from the one batched pass the draw list also uses: for per-frame callers that
        follow many nodes (an audience's heads)."""
        out: F32 = self._world_matrices()[indices]
        return out

    @property
    def node_names(self) -> tuple[str, ...]:
        return self._graph.names

    @property
    def environment(self) -> EnvironmentLook:
        return self._look

    def draw_list(self) -> DrawList:
        """An immutable snapshot of what to draw now, in the client's frame: the world
        shifted along x and z so that the client's stand point is at x = z = 0 (the
        renderer's tracking origin); y is world height (``standing_height`` is the floor).

        Made as a :class:`DrawTable` (arrays) from one batched pass over the scene graph;
        the grouping of items into the table's runs is redone only when visibility
        changes. Calls with nothing changed since the last one return the same DrawList.
        """
        graph = self._graph
        cache = self._draw_cache
        world = self._world_matrices()  # the same array while the pose is the same
        if (
            cache is None
            or cache.graph is not graph
            or not np.array_equal(cache.visible, graph.visible)
        ):
            cache = self._draw_cache = _DrawCache.start(graph)
        elif (
            cache.draw_list is not None
            and cache.draw_list.environment is self._look
            and cache.world is world
            and _same(cache.morphs, self._morphs)
        ):
            return cache.draw_list
        stand = self._stand(world)
        x, _, z = stand.point
        table = cache.layout.table(world, shift=(x, 0.0, z))
        cache.world, cache.shift = world, (x, 0.0, z)
        cache.morphs = self._morphs
        # only skins and interior lights ask what is shown (a crowd's frame does not)
        shown_all = (
            graph.effective_visibility()
            if self._skins or self._interiors
            else np.zeros(len(graph), bool)
        )
        cache.draw_list = DrawList(
            None,
            self._look,
            eye_height=stand.eye_height,
            standing_height=stand.point[1],
            table=table,
            skinned=tuple(
                SkinnedItem(b.skin.mesh, _joints(world, b, x, z), w, b.skin.material)
                for b, w in zip(self._skins, self._morphs, strict=True)
                if shown_all[b.root]
            ),
            interior=self._interior_lighting(world, shown_all, stand.point),
        )
        return cache.draw_list

    def _interior_lighting(
        self, world: F32, shown: npt.NDArray[np.bool_], stand: tuple[float, float, float]
    ) -> InteriorLighting | None:
        """The lights of the first shown interior the client stands in, as a box in the
        draw list's frame (the world shifted by the stand point's x and z)."""
        x, _, z = stand
        for root, node, light in self._interiors:
            if not shown[root]:
                continue
            corners = np.array(
                [[a, b, c] for a in (0, 1) for b in (0, 1) for c in (0, 1)], np.float64
            )
            local = np.where(corners > 0, light.high, light.low)
            placed = apply(world[node].astype(np.float64), local)
            low, high = placed.min(axis=0), placed.max(axis=0)
            if not (low[0] <= x <= high[0] and low[2] <= z <= high[2]):
                continue
            shift = np.array([x, 0.0, z])
            lo, hi = low - shift, high - shift
            return InteriorLighting(
                (float(lo[0]), float(lo[1]), float(lo[2])),
                (float(hi[0]), float(hi[1]), float(hi[2])),
                light.color,
            )
        return None

    def _world_matrices(self) -> F32:
        """World matrices of every node at the current pose (kept until a pose changes;
        read-only). Only :meth:`_pose` writes the graph's local matrices: until it runs
        again they are as they were; after it, a pose equal to the last keeps its world
        matrices too (and the draw list made from them)."""
        graph = self._graph
        cached = self._world_cache
        if cached is not None and cached[0] is graph:
            if cached[1] == self._posed:
                return cached[3]
            if np.array_equal(cached[2], graph.local):
                self._world_cache = (graph, self._posed, cached[2], cached[3])
                return cached[3]
        world = graph.world_matrices()
        world.flags.writeable = False
        local = graph.local.copy()
        local.flags.writeable = False
        self._world_cache = (graph, self._posed, local, world)
        return world


def _joints(world: F32, b: _SkinBound, x: float, z: float) -> F32:
    """A skin's joint matrices now, bind space to the client's frame (world shifted by
    -x, -z, as the draw table's rows)."""
    joints: F32 = (world[b.joints] @ b.skin.inverse_binds).astype(np.float32)
    joints[:, 0, 3] -= np.float32(x)
    joints[:, 2, 3] -= np.float32(z)
    return joints


_PLACEHOLDER_ROOT = Part("", None, identity(), Material(), (placeholder(),))

_EXACT_PARTS = 48  # a stimulus of more parts (an audience) is followed by its root only


@dataclass(eq=False)
class _Extent:
    """The mesh nodes of a referenced object or part, with their meshes' local boxes.

    A large one (an audience, a crowd) is followed by ``root`` alone: its centre in the
    root's frame is measured once, when first drawn, and moved with the root after that
    (its people sway, but the crowd stays where it is). A small one (a spider that walks)
    is measured part by part every time."""

    nodes: npt.NDArray[np.intp]
    centre: F32  # (n, 3) local box centres
    half: F32  # (n, 3) local box half sizes
    root: int  # the first node the reference names (-1: none)
    in_root: F32 | None = None  # large: the box centre in the root's frame, once measured


def _extent(graph: SceneGraph, ref: str) -> _Extent:
    """``ref`` ('spider', 'cabin/cabin/interior/shade_3_1') names a node by the end of its
    path; the extent holds every node with a mesh at or below the nodes it names."""
    tail = "/" + ref
    named = [n for n in graph.names if n == ref or n.endswith(tail)]
    under = tuple(n + "/" for n in named)
    nodes = [
        i
        for i, n in enumerate(graph.names)
        if graph.meshes[i] is not None and (n in named or n.startswith(under))
    ]
    lo = np.zeros((len(nodes), 3), np.float32)
    hi = np.zeros((len(nodes), 3), np.float32)
    for k, i in enumerate(nodes):
        mesh = graph.meshes[i]
        if mesh is not None and len(mesh.positions):
            lo[k], hi[k] = mesh.positions.min(axis=0), mesh.positions.max(axis=0)
    root = graph.index(named[0]) if named else -1
    centre, half = ((lo + hi) / 2).astype(np.float32), ((hi - lo) / 2).astype(np.float32)
    return _Extent(np.asarray(nodes, np.intp), centre, half, root)


def _box_centre(world: F32, ext: _Extent, drawn: npt.NDArray[np.bool_]) -> F32:
    """The centre of the world-space box around the drawn parts' mesh boxes."""
    m = world[ext.nodes[drawn]]
    rot = m[:, :3, :3]
    centre = np.einsum("nij,nj->ni", rot, ext.centre[drawn]) + m[:, :3, 3]
    half = np.einsum("nij,nj->ni", np.abs(rot), ext.half[drawn])
    out: F32 = ((centre - half).min(axis=0) + (centre + half).max(axis=0)) / 2
    return out


def _placeholder() -> Built:
    return Built(_PLACEHOLDER_ROOT, unscaled=True)


def _same(a: tuple[F32, ...], b: tuple[F32, ...]) -> bool:
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def _character_key(m: CharacterSpec) -> tuple[str]:
    """A partner's model as a hashable build key: its JSON (see :func:`_character_spec`)."""
    return (m.model_dump_json(),)


def _character_spec(content: tuple[Any, ...]) -> CharacterSpec:
    return CharacterSpec.model_validate_json(content[1])


def _without_scale(m: F32) -> F32:
    """``m`` with its rotation and translation only (each basis column made unit length)."""
    out = m.copy()
    lengths = np.linalg.norm(out[:3, :3], axis=0)
    out[:3, :3] /= np.where(lengths > 0, lengths, 1.0)
    return out


def _with_object(frag: Fragment, obj: _Object, built: Built) -> Fragment:
    """The fragment placed by the object's transform, visibility and material override."""
    local = frag.local.copy()
    place = _without_scale(obj.transform) if built.unscaled else obj.transform
    local[0] = place @ local[0]
    visible = frag.visible.copy()
    visible[0] = visible[0] and obj.visible
    materials = frag.materials
    if obj.override is not None:
        materials = tuple(_override(m, obj.override) for m in materials)
    return replace(frag, local=local, visible=visible, materials=materials)


def _override(m: Material, o: _Override) -> Material:
    tint = list(m.tint)
    if o.color is not None:
        tint[:3] = [a * b for a, b in zip(tint[:3], o.color[:3], strict=True)]
    if o.opacity is not None:
        tint[3] *= max(0.0, min(1.0, o.opacity))
    return Material(
        (tint[0], tint[1], tint[2], tint[3]),
        m.roughness if o.roughness is None else o.roughness,
        m.emissive if o.emissive is None else o.emissive,
    )


def build_world(
    spec: ScenarioSpec,
    values: Values,
    *,
    seed: int = 0,
    asset_dirs: Sequence[Path] = (),
    loader: AssetLoader | None = None,
) -> World:
    """Build the world of ``spec`` at parameter ``values`` (from ``parameter_values``).

    Assets are looked up in ``asset_dirs`` in order (pass the scenario's folder first,
    then the project's assets folder; default: the stock assets folder). A missing or
    broken asset becomes a visible placeholder and an entry in ``World.problems``; this
    function does not raise for them.
    """
    return World(spec, values, seed=seed, asset_dirs=asset_dirs, loader=loader)


__all__ = ["World", "build_world"]
