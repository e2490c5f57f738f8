"""Skinned glTF characters read into numpy arrays: node tree, skins, morph targets,
animation clips and base colours. Pure parsing (pygltflib and numpy), no GL.

A clinic can bring its own people as glTF 2.0 files (``.glb`` or ``.gltf``):
meshes with ``JOINTS_0``/``WEIGHTS_0`` bound to a skin, morph targets with position
and normal deltas named in ``mesh.extras.targetNames``, and animation clips of
translation, rotation, scale and morph-weight channels (STEP, LINEAR, CUBICSPLINE).
Meshes neither skinned nor morphed stay rigid parts of the node tree (the ordinary
batched path); the others become :class:`~vrtherapy.world.types.SkinnedMesh` es that
the renderer bends on the GPU. Base colour is the material's factor times its
texture (sampled at each vertex, as trimesh does for plain models) times ``COLOR_0``.

Every problem raises :class:`~vrtherapy.world.assets.AssetError` naming the file
and the node, mesh, skin, accessor or animation at fault.
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.spatial.transform import Rotation

from vrtherapy.world.assets import AssetError, inspect_structure
from vrtherapy.world.geometry import make_mesh
from vrtherapy.world.gltf_read import GltfData
from vrtherapy.world.types import F32, Material, Mesh, SkinnedMesh

I32 = npt.NDArray[np.int32]
F64 = npt.NDArray[np.float64]

# The skinning shader holds one skin's joint matrices in a uniform block: 128 mat4 are
# 8 KiB, half the 16 KiB every OpenGL implementation must offer for one block.
MAX_JOINTS = 128
# Morph target weights are a uniform array in the same shader.
MAX_MORPHS = 64

STEP, LINEAR, CUBIC = 0, 1, 2
_MODES = {"STEP": STEP, "LINEAR": LINEAR, "CUBICSPLINE": CUBIC}
_PATHS = ("translation", "rotation", "scale")
_TRIANGLES = 4


@dataclass(frozen=True, eq=False)
class Track:
    """All channels of one kind (translation, rotation or scale) of a clip, padded to
    the longest: ``times`` (C, K) with each channel's last time repeated past its
    ``counts``; ``values`` (C, K, 3, D): in-tangent, value, out-tangent per key (the
    tangents are zero unless the channel is CUBICSPLINE)."""

    nodes: I32  # (C,)
    times: F64  # (C, K)
    counts: npt.NDArray[np.int64]  # (C,)
    values: F64  # (C, K, 3, D)
    modes: npt.NDArray[np.int8]  # (C,)


@dataclass(frozen=True, eq=False)
class WeightTrack:
    """A morph-weight channel of a node: a one-channel :class:`Track` whose values are
    the weights of all the node's mesh's targets (D = T)."""

    node: int
    track: Track


@dataclass(frozen=True, eq=False)
class Clip:
    name: str
    duration: float
    translation: Track
    rotation: Track
    scale: Track
    weights: tuple[WeightTrack, ...]


@dataclass(frozen=True, eq=False)
class SkinnedPart:
    """One skinned or morphed mesh primitive: its vertices follow ``joints`` (node
    indices) through ``inverse_binds``; a mesh with morph targets but no skin follows
    its own node (one joint, identity inverse bind)."""

    mesh: SkinnedMesh
    material: Material
    node: int  # the node that holds the mesh (its morph weights are animated there)
    joints: I32  # (J,) node index of each joint
    inverse_binds: F32  # (J, 4, 4)
    default_weights: F32  # (T,) the mesh's own morph weights


@dataclass(frozen=True, eq=False)
class RigidPart:
    node: int
    mesh: Mesh
    material: Material


@dataclass(frozen=True, eq=False)
class Character:
    """A glTF character: the node tree at rest (parents first), its meshes and clips."""

    names: tuple[str, ...]  # unique node names ('node12' where the file has none)
    parent: I32  # (n,) -1 for a root; every parent comes before its children
    translation: F64  # (n, 3) rest pose
    rotation: F64  # (n, 4) unit quaternions, x y z w
    scale: F64  # (n, 3)
    rigid: tuple[RigidPart, ...]
    skinned: tuple[SkinnedPart, ...]
    clips: tuple[Clip, ...]

    def node(self, name: str) -> int:
        return self.names.index(name)

    def clip(self, name: str) -> Clip:
        for c in self.clips:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def morph_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(n for s in self.skinned for n in s.mesh.morph_names))


def read_character(path: Path, label: str | None = None) -> Character:
    """Read a glTF/GLB character; raises AssetError naming what is wrong and where."""
    from pygltflib import GLTF2

    label = label or path.name
    errors, _ = inspect_structure(path)
    if errors:
        raise AssetError(label, errors[0])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gltf = GLTF2().load(str(path))
    except Exception as e:  # pygltflib and json raise many kinds for a broken file
        raise AssetError(label, f"is not a readable glTF file ({type(e).__name__}: {e})") from e
    if gltf is None:
        raise AssetError(label, "is not a readable glTF file")
    return _Reader(GltfData(gltf, label, path.parent)).character()


class _Reader:
    def __init__(self, data: GltfData) -> None:
        self.d = data
        self.g = data.gltf
        nodes = self.g.nodes or []
        self.n = len(nodes)
        parent = np.full(self.n, -1, dtype=np.int64)
        for i, node in enumerate(nodes):
            for c in node.children or []:
                if not 0 <= c < self.n:
                    raise data.fail(f"node {self._name(i)} has a child {c}, which does not exist")
                if parent[c] >= 0:
                    raise data.fail(f"node {self._name(c)} is the child of two nodes")
                parent[c] = i
        # parents-first order: a depth-first walk from the roots (a cycle never reaches)
        order: list[int] = []
        stack = [i for i in range(self.n) if parent[i] < 0][::-1]
        while stack:
            i = stack.pop()
            order.append(i)
            stack.extend(reversed(nodes[i].children or []))
        if len(order) != self.n:
            raise data.fail("its node tree has a cycle (a node is its own ancestor)")
        self.order = np.asarray(order, dtype=np.int64)
        self.new_of = np.empty(self.n, dtype=np.int64)
        self.new_of[self.order] = np.arange(self.n)
        self.parent = np.where(parent[self.order] < 0, -1, self.new_of[parent[self.order]])

    def _name(self, i: int) -> str:
        name = (self.g.nodes or [])[i].name
        return f"{i} ('{name}')" if name else str(i)

    def character(self) -> Character:
        nodes = self.g.nodes or []
        names: list[str] = []
        seen: set[str] = set()
        for i in self.order:
            base = nodes[i].name or f"node{i}"
            name, k = base, 1
            while name in seen:
                k += 1
                name = f"{base}_{k}"
            seen.add(name)
            names.append(name)
        t, r, s = self._rest()
        rigid: list[RigidPart] = []
        skinned: list[SkinnedPart] = []
        for i in self.order:
            node = nodes[i]
            if node.mesh is not None:
                self._mesh(int(i), node, rigid, skinned)
        if not rigid and not skinned:
            raise self.d.fail("contains no triangle meshes")
        clips = tuple(self._clip(k, a) for k, a in enumerate(self.g.animations or []))
        return Character(
            tuple(names),
            self.parent.astype(np.int32),
            t,
            r,
            s,
            tuple(rigid),
            tuple(skinned),
            clips,
        )

    def _rest(self) -> tuple[F64, F64, F64]:
        nodes = self.g.nodes or []
        t = np.zeros((self.n, 3))
        r = np.tile([0.0, 0.0, 0.0, 1.0], (self.n, 1))
        s = np.ones((self.n, 3))
        for new, i in enumerate(self.order):
            node = nodes[i]
            if node.matrix is not None and len(node.matrix) == 16:
                m = np.asarray(node.matrix, dtype=np.float64).reshape(4, 4).T  # column-major
                t[new] = m[:3, 3]
                s[new] = np.linalg.norm(m[:3, :3], axis=0)
                if np.any(s[new] <= 0):
                    raise self.d.fail(f"node {self._name(int(i))} has a matrix with zero scale")
                basis = m[:3, :3] / s[new]
                if np.linalg.det(basis) < 0:  # a mirror: keep it in the scale
                    s[new, 0] = -s[new, 0]
                    basis[:, 0] = -basis[:, 0]
                r[new] = Rotation.from_matrix(basis).as_quat()
                continue
            if node.translation is not None:
                t[new] = node.translation
            if node.rotation is not None:
                q = np.asarray(node.rotation, dtype=np.float64)
                norm = float(np.linalg.norm(q))
                if norm < 1e-6:
                    raise self.d.fail(f"node {self._name(int(i))} has a zero rotation quaternion")
                r[new] = q / norm
            if node.scale is not None:
                s[new] = node.scale
        return t, r, s

    # -- meshes --------------------------------------------------------------------------

    def _mesh(
        self, node_index: int, node: Any, rigid: list[RigidPart], skinned: list[SkinnedPart]
    ) -> None:
        mesh = self.d.item(self.g.meshes, node.mesh, f"node {self._name(node_index)}", "mesh")
        mname = f"mesh {node.mesh}" + (f" ('{mesh.name}')" if mesh.name else "")
        target_names = _target_names(mesh)
        skin = self._skin(node, node_index) if node.skin is not None else None
        new_node = int(self.new_of[node_index])
        for p, prim in enumerate(mesh.primitives or []):
            if prim.mode not in (None, _TRIANGLES):
                continue  # points and lines are not drawn
            where = f"{mname} primitive {p}"
            geo = self._geometry(prim, where)
            targets = prim.targets or []
            if len(targets) > MAX_MORPHS:
                raise self.d.fail(
                    f"{where} has {len(targets)} morph targets; vrtherapy draws at most "
                    f"{MAX_MORPHS} per mesh; remove unused shape keys before export"
                )
            material = _material_of(self, prim, where)
            colors = self._colors(prim, where, len(geo[0]))
            if skin is None and not targets:
                positions, normals, indices = geo
                mesh_ = make_mesh(positions, normals, colors, indices)
                rigid.append(RigidPart(new_node, mesh_, material))
                continue
            dp, dn = self._targets(targets, where, len(geo[0]))
            names = tuple(
                target_names[k] if k < len(target_names) else f"target{k}"
                for k in range(len(targets))
            )
            if skin is not None:
                joints_idx, ibm = skin
                joints, weights = self._influences(prim, where, len(geo[0]), len(joints_idx))
            else:
                joints_idx = np.array([new_node], dtype=np.int32)
                ibm = np.eye(4, dtype=np.float32)[None]
                joints = np.zeros((len(geo[0]), 4), dtype=np.uint16)
                weights = np.tile(np.array([1.0, 0, 0, 0], np.float32), (len(geo[0]), 1))
            default = np.zeros(len(targets), dtype=np.float32)
            own = mesh.weights or node.weights or []
            default[: min(len(own), len(targets))] = own[: len(targets)]
            sm = _skinned_mesh(geo, colors, joints, weights, dp, dn, names)
            skinned.append(SkinnedPart(sm, material, new_node, joints_idx, ibm, default))

    def _geometry(self, prim: Any, where: str) -> tuple[F32, F32, npt.NDArray[np.uint32]]:
        a = prim.attributes
        if a.POSITION is None:
            raise self.d.fail(f"{where} has no POSITION attribute")
        positions = self.d.accessor(a.POSITION, f"POSITION of {where}").astype(np.float32)
        if positions.ndim != 2 or positions.shape[1] != 3:
            raise self.d.fail(f"{where}: POSITION must be VEC3")
        n = len(positions)
        if prim.indices is not None:
            flat = self.d.accessor(prim.indices, f"indices of {where}").astype(np.int64)
        else:
            flat = np.arange(n, dtype=np.int64)
        if len(flat) % 3:
            raise self.d.fail(f"{where} has {len(flat)} indices, not a whole number of triangles")
        if len(flat) and (flat.min() < 0 or flat.max() >= n):
            raise self.d.fail(f"{where}: an index is outside its {n} vertices")
        indices = flat.reshape(-1, 3).astype(np.uint32)
        if a.NORMAL is not None:
            normals = self.d.accessor(a.NORMAL, f"NORMAL of {where}").astype(np.float32)
            if normals.shape != positions.shape:
                raise self.d.fail(f"{where}: NORMAL has {len(normals)} items for {n} vertices")
        else:
            normals = _vertex_normals(positions, indices)
        return positions, _unit(normals), indices

    def _colors(self, prim: Any, where: str, n: int) -> F32:
        colors = np.ones((n, 4), dtype=np.float32)
        base = _base_factor(self, prim)
        colors *= np.asarray(base, dtype=np.float32)
        tex = _base_texture(self, prim)
        if tex is not None:
            image_index, uv_set = tex
            uv_acc = getattr(prim.attributes, f"TEXCOORD_{uv_set}", None)
            if uv_acc is not None:
                uv = self.d.accessor(uv_acc, f"TEXCOORD_{uv_set} of {where}").astype(np.float64)
                image = self.d.image(image_index, f"base colour of {where}")
                colors *= _srgb_to_linear(_sample(image, uv))
        if prim.attributes.COLOR_0 is not None:
            c = self.d.accessor(prim.attributes.COLOR_0, f"COLOR_0 of {where}").astype(np.float32)
            if len(c) != n:
                raise self.d.fail(f"{where}: COLOR_0 has {len(c)} items for {n} vertices")
            colors[:, : c.shape[1]] *= c  # glTF vertex colours are linear already
        return colors

    def _targets(self, targets: list[Any], where: str, n: int) -> tuple[F32, F32]:
        dp = np.zeros((len(targets), n, 3), dtype=np.float32)
        dn = np.zeros((len(targets), n, 3), dtype=np.float32)
        for k, target in enumerate(targets):
            for key, out in (("POSITION", dp), ("NORMAL", dn)):
                acc = target.get(key) if isinstance(target, dict) else getattr(target, key, None)
                if acc is None:
                    continue
                delta = self.d.accessor(acc, f"morph target {k} {key} of {where}")
                if delta.shape != (n, 3):
                    raise self.d.fail(
                        f"{where}: morph target {k} {key} has {len(delta)} items for {n} vertices"
                    )
                out[k] = delta
        return dp, dn

    def _influences(
        self, prim: Any, where: str, n: int, joint_count: int
    ) -> tuple[npt.NDArray[np.uint16], F32]:
        a = prim.attributes
        if a.JOINTS_0 is None or a.WEIGHTS_0 is None:
            raise self.d.fail(
                f"{where} is on a skinned node but has no JOINTS_0/WEIGHTS_0; "
                "bind the mesh to the armature (weight-paint it) before export"
            )
        if getattr(a, "JOINTS_1", None) is not None:
            raise self.d.fail(
                f"{where} has more than 4 joint influences per vertex (JOINTS_1); "
                "limit influences to 4 on export (Blender: Limit Total, 4)"
            )
        joints = self.d.accessor(a.JOINTS_0, f"JOINTS_0 of {where}")
        weights = self.d.accessor(a.WEIGHTS_0, f"WEIGHTS_0 of {where}").astype(np.float32)
        if joints.shape != (n, 4) or weights.shape != (n, 4):
            raise self.d.fail(f"{where}: JOINTS_0 and WEIGHTS_0 must be VEC4, one per vertex")
        if np.issubdtype(joints.dtype, np.floating):
            raise self.d.fail(f"{where}: JOINTS_0 must be unsigned integers")
        joints = joints.astype(np.int64)
        used = weights > 0
        if np.any(joints[used] >= joint_count) or np.any(joints < 0):
            raise self.d.fail(
                f"{where}: JOINTS_0 names joint {int(joints[used].max())}, but the skin has "
                f"{joint_count} joints"
            )
        total = weights.sum(axis=1)
        if np.any(total <= 1e-6):
            bad = int(np.argmax(total <= 1e-6))
            raise self.d.fail(
                f"{where}: vertex {bad} has no joint weight; weight-paint every vertex "
                "(Blender: Normalize All) before export"
            )
        weights = weights / total[:, None]
        joints = np.where(used, joints, 0)
        return joints.astype(np.uint16), weights.astype(np.float32)

    def _skin(self, node: Any, node_index: int) -> tuple[I32, F32]:
        skin = self.d.item(self.g.skins, node.skin, f"node {self._name(node_index)}", "skin")
        sname = f"skin {node.skin}" + (f" ('{skin.name}')" if skin.name else "")
        joints = list(skin.joints or [])
        if not joints:
            raise self.d.fail(f"{sname} has no joints")
        if len(joints) > MAX_JOINTS:
            raise self.d.fail(
                f"{sname} has {len(joints)} joints; vrtherapy skins at most {MAX_JOINTS} "
                "joints per skin; remove unused bones (e.g. fingers) or split the skin"
            )
        for j in joints:
            if not 0 <= j < self.n:
                raise self.d.fail(f"{sname} names joint node {j}, which does not exist")
        if skin.inverseBindMatrices is not None:
            flat = self.d.accessor(skin.inverseBindMatrices, f"inverse bind matrices of {sname}")
            if flat.shape != (len(joints), 16):
                raise self.d.fail(
                    f"{sname}: {len(flat)} inverse bind matrices for {len(joints)} joints"
                )
            ibm = flat.astype(np.float32).reshape(-1, 4, 4).transpose(0, 2, 1)  # column-major
        else:
            ibm = np.tile(np.eye(4, dtype=np.float32), (len(joints), 1, 1))
        return self.new_of[np.asarray(joints)].astype(np.int32), np.ascontiguousarray(ibm)

    # -- animation -----------------------------------------------------------------------

    def _clip(self, k: int, anim: Any) -> Clip:
        name = anim.name or f"animation{k}"
        per_path: dict[str, list[tuple[int, F64, F64, int]]] = {p: [] for p in _PATHS}
        weights: list[WeightTrack] = []
        samplers = anim.samplers or []
        end = 0.0
        for c, ch in enumerate(anim.channels or []):
            target = ch.target
            if target is None or target.node is None:
                continue
            node = int(target.node)
            path = str(target.path)
            what = self._name(node) if 0 <= node < self.n else str(node)
            where = f"animation '{name}' channel {c} ({path} of node {what})"
            if not 0 <= node < self.n:
                raise self.d.fail(f"{where}: the node does not exist")
            s = self.d.item(samplers, int(ch.sampler), where, "sampler")
            mode = _MODES.get(str(s.interpolation or "LINEAR"))
            if mode is None:
                raise self.d.fail(f"{where} has interpolation '{s.interpolation}'")
            times = self.d.accessor(s.input, f"key times of {where}").astype(np.float64)
            if times.ndim != 1 or len(times) == 0:
                raise self.d.fail(f"{where} has no key times")
            if np.any(np.diff(times) <= 0):
                raise self.d.fail(f"{where}: its key times must increase")
            out = self.d.accessor(s.output, f"key values of {where}").astype(np.float64)
            per_key = 3 if mode == CUBIC else 1
            if path == "weights":
                mesh = (self.g.nodes or [])[node].mesh
                targets = _target_count(self.g, mesh)
                if targets == 0 or out.size != len(times) * per_key * targets:
                    raise self.d.fail(
                        f"{where}: {out.size} values for {len(times)} keys of {targets} targets"
                    )
                vals = out.reshape(len(times), per_key, targets)
                one = [(0, times, _three(vals, mode), mode)]
                weights.append(WeightTrack(int(self.new_of[node]), _track(one, targets)))
            elif path in _PATHS:
                width = 4 if path == "rotation" else 3
                if out.ndim != 2 or out.shape != (len(times) * per_key, width):
                    raise self.d.fail(
                        f"{where}: {len(out)} values of width {out.shape[-1]} for "
                        f"{len(times)} keys (needs {len(times) * per_key} of width {width})"
                    )
                vals = out.reshape(len(times), per_key, width)
                per_path[path].append((int(self.new_of[node]), times, _three(vals, mode), mode))
            else:
                continue  # e.g. KHR_animation_pointer paths: not ours
            end = max(end, float(times[-1]))
        tracks = {p: _track(per_path[p], 4 if p == "rotation" else 3) for p in _PATHS}
        return Clip(
            name, end, tracks["translation"], tracks["rotation"], tracks["scale"], tuple(weights)
        )


def _three(vals: F64, mode: int) -> F64:
    """(K, 3, D): in-tangent, value, out-tangent."""
    if mode == CUBIC:
        return vals
    out = np.zeros((vals.shape[0], 3, vals.shape[2]))
    out[:, 1] = vals[:, 0]
    return out


def _track(channels: list[tuple[int, F64, F64, int]], width: int) -> Track:
    c = len(channels)
    k = max([len(t) for _, t, _, _ in channels], default=1)
    k = max(k, 2)
    times = np.zeros((c, k))
    values = np.zeros((c, k, 3, width))
    counts = np.zeros(c, dtype=np.int64)
    for i, (_, t, v, _) in enumerate(channels):
        n = len(t)
        counts[i] = n
        times[i, :n] = t
        times[i, n:] = t[-1]
        values[i, :n] = v
        values[i, n:] = v[-1]
    return Track(
        np.asarray([n for n, _, _, _ in channels], dtype=np.int32),
        times,
        counts,
        values,
        np.asarray([m for _, _, _, m in channels], dtype=np.int8),
    )


def _target_count(gltf: Any, mesh: int | None) -> int:
    if mesh is None or not 0 <= mesh < len(gltf.meshes or []):
        return 0
    prims = gltf.meshes[mesh].primitives or []
    return len(prims[0].targets or []) if prims else 0


def _target_names(mesh: Any) -> list[str]:
    extras = mesh.extras if isinstance(mesh.extras, dict) else {}
    names = extras.get("targetNames")
    return [str(n) for n in names] if isinstance(names, list) else []


def _material_of(r: _Reader, prim: Any, where: str) -> Material:
    m = _gltf_material(r, prim, where)
    if m is None or m.pbrMetallicRoughness is None:
        return Material()
    rough = m.pbrMetallicRoughness.roughnessFactor
    return Material(roughness=float(1.0 if rough is None else rough))


def _gltf_material(r: _Reader, prim: Any, where: str) -> Any:
    if prim.material is None:
        return None
    return r.d.item(r.g.materials, prim.material, where, "material")


def _base_factor(r: _Reader, prim: Any) -> list[float]:
    m = _gltf_material(r, prim, "")
    pbr = m.pbrMetallicRoughness if m is not None else None
    factor = pbr.baseColorFactor if pbr is not None else None
    return list(factor) if factor is not None and len(factor) == 4 else [1.0, 1.0, 1.0, 1.0]


def _base_texture(r: _Reader, prim: Any) -> tuple[int, int] | None:
    m = _gltf_material(r, prim, "")
    pbr = m.pbrMetallicRoughness if m is not None else None
    info = pbr.baseColorTexture if pbr is not None else None
    if info is None or info.index is None:
        return None
    textures = r.g.textures or []
    if not 0 <= info.index < len(textures) or textures[info.index].source is None:
        return None
    return int(textures[info.index].source), int(info.texCoord or 0)


def _sample(image: npt.NDArray[np.float32], uv: F64) -> F32:
    """Nearest texel at each UV (wrapping, glTF's default), (N, 4)."""
    h, w = image.shape[:2]
    x = (np.mod(uv[:, 0], 1.0) * w).astype(np.int64).clip(0, w - 1)
    y = (np.mod(uv[:, 1], 1.0) * h).astype(np.int64).clip(0, h - 1)  # glTF: v down
    out: F32 = image[y, x]
    return out


def _srgb_to_linear(c: F32) -> F32:
    rgb = np.where(c[:, :3] <= 0.04045, c[:, :3] / 12.92, ((c[:, :3] + 0.055) / 1.055) ** 2.4)
    return np.concatenate([rgb, c[:, 3:4]], axis=1).astype(np.float32)


def _vertex_normals(p: F32, tri: npt.NDArray[np.uint32]) -> F32:
    """Area-weighted vertex normals, for files without NORMAL."""
    face = np.cross(p[tri[:, 1]] - p[tri[:, 0]], p[tri[:, 2]] - p[tri[:, 0]])
    out = np.zeros_like(p)
    for k in range(3):
        np.add.at(out, tri[:, k], face)
    return out.astype(np.float32)


def _unit(n: F32) -> F32:
    length = np.linalg.norm(n, axis=1, keepdims=True)
    safe = np.where(length > 1e-12, n / np.maximum(length, 1e-12), [0.0, 1.0, 0.0])
    return safe.astype(np.float32)


def _skinned_mesh(
    geo: tuple[F32, F32, npt.NDArray[np.uint32]],
    colors: F32,
    joints: npt.NDArray[np.uint16],
    weights: F32,
    dp: F32,
    dn: F32,
    names: tuple[str, ...],
) -> SkinnedMesh:
    positions, normals, indices = geo
    h = hashlib.sha1()
    for arr in (positions, normals, colors, indices, joints, weights, dp, dn):
        h.update(np.ascontiguousarray(arr).tobytes())
    h.update("\0".join(names).encode())
    return SkinnedMesh(
        "skin-" + h.hexdigest(),
        positions,
        normals,
        colors,
        indices,
        np.ascontiguousarray(joints),
        np.ascontiguousarray(weights),
        dp,
        dn,
        names,
    )
