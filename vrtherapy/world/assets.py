"""Mesh assets (glTF, GLB, OBJ) loaded through trimesh, with their own node hierarchy.

Texture and material colours become per-vertex colours (trimesh samples the
texture at each vertex's UV through Pillow). A file that is missing or cannot
be read raises :class:`AssetError` naming it; the world then shows
:func:`placeholder` in its place and records the problem.

:func:`check_asset` opens a file exactly as the world will, after looking into
a glTF file's own structure (through pygltflib) for what trimesh cannot read:
compressed meshes (Draco, meshopt), KTX2/Basis Universal textures, and data
cut short. ``vrtherapy validate`` reports what it finds at the scenario line
that names the file.
"""

from __future__ import annotations

import base64
import logging
import struct
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar, cast

import numpy as np
import trimesh

from vrtherapy.authoring.character import CharacterSpec
from vrtherapy.world.geometry import Geo, box, make_mesh
from vrtherapy.world.geometry import bake as _bake
from vrtherapy.world.model import Part
from vrtherapy.world.transforms import identity
from vrtherapy.world.types import F32, Material, Mesh

log = logging.getLogger(__name__)
T = TypeVar("T")
SUFFIXES = (".glb", ".gltf", ".obj")

# glTF extensions whose data trimesh cannot decode: a file that uses one would show
# nothing or garbage, so it is refused with the extension's name.
UNSUPPORTED_EXTENSIONS = {
    "KHR_draco_mesh_compression": "Draco-compressed meshes",
    "EXT_meshopt_compression": "meshopt-compressed buffers",
    "KHR_meshopt_compression": "meshopt-compressed buffers",
    "KHR_texture_basisu": "KTX2/Basis Universal textures",
    "EXT_texture_webp": "WebP textures",
    "KHR_mesh_quantization": "quantized vertex attributes",
}
_EXPORT_HINT = "export the model again without it (e.g. Blender's glTF exporter, compression off)"
_GLB_MAGIC = b"glTF"


class AssetError(Exception):
    """An asset file is missing or broken; the message names the file."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"asset '{name}': {reason}")
        self.name = name
        self.reason = reason


def _linear(c: np.ndarray) -> F32:
    s = np.asarray(c, dtype=np.float32) / 255.0
    rgb = np.where(s[:, :3] <= 0.04045, s[:, :3] / 12.92, ((s[:, :3] + 0.055) / 1.055) ** 2.4)
    return np.concatenate([rgb, s[:, 3:4]], axis=1).astype(np.float32)


def _vertex_colors(tm: trimesh.Trimesh) -> F32:
    visual: Any = tm.visual
    if visual is None or visual.kind is None:
        return np.ones((len(tm.vertices), 4), dtype=np.float32) * np.float32(0.8)
    if visual.kind == "texture":
        visual = visual.to_color()
    colors = np.asarray(visual.vertex_colors)
    if colors.shape != (len(tm.vertices), 4):
        return np.full((len(tm.vertices), 4), 0.8, dtype=np.float32)
    return _linear(colors)


def mesh_of(tm: trimesh.Trimesh) -> Mesh:
    """A Mesh with the file's own normals (trimesh computes them where the file has none)."""
    return make_mesh(
        np.asarray(tm.vertices, dtype=np.float32),
        np.asarray(tm.vertex_normals, dtype=np.float32),
        _vertex_colors(tm),
        np.asarray(tm.faces, dtype=np.uint32),
    )


def part_of_scene(scene: trimesh.Scene, name: str) -> Part:
    """The scene's node tree as parts; node transforms are kept as each part's transform."""
    forest = scene.graph.transforms
    meshes: dict[str, Mesh] = {}
    for gname, geom in scene.geometry.items():
        if isinstance(geom, trimesh.Trimesh) and len(geom.faces):
            meshes[gname] = mesh_of(geom)

    def build(node: str, parent: str | None, index: int) -> Part:
        edge = forest.edge_data.get((parent, node), {}) if parent is not None else {}
        matrix = np.asarray(edge.get("matrix", np.eye(4)), dtype=np.float32)
        geometry = edge.get("geometry")
        kids = forest.children.get(node, [])
        children = tuple(build(k, node, i) for i, k in enumerate(kids))
        return Part(
            f"n{index}_{_safe(node)}",
            meshes.get(geometry) if geometry is not None else None,
            matrix,
            Material(),
            children,
        )

    base = scene.graph.base_frame
    kids = forest.children.get(base, [])
    return Part(
        _safe(name),
        None,
        identity(),
        Material(),
        tuple(build(k, str(base), i) for i, k in enumerate(kids)),
    )


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "_-." else "_" for ch in str(name))


class AssetLoader:
    """Finds and loads asset files, each once; ``loads`` counts actual file reads."""

    def __init__(self, dirs: Sequence[Path]) -> None:
        self.dirs = [Path(d) for d in dirs]
        self.loads = 0
        # by file, its modification time and the reader (a part or a character)
        self._cache: dict[tuple[Path, float, Callable[..., Any]], Any] = {}

    def find(self, name: str) -> Path:
        for d in self.dirs:
            candidate = (d / name).resolve()
            if candidate.is_file():
                return candidate
        looked = ", ".join(str(d) for d in self.dirs) or "nowhere (no asset folders given)"
        raise AssetError(name, f"file not found (looked in: {looked})")

    def load(self, name: str) -> Part:
        if not name.lower().endswith(SUFFIXES):
            raise AssetError(name, f"unsupported file type (use one of {', '.join(SUFFIXES)})")
        return self.read(name, read_part)

    def read(self, name: str, reader: Callable[[Path, str], T]) -> T:
        """``reader(path, name)`` of the file ``name`` finds, read once while it is unchanged."""
        path = self.find(name)
        try:
            key = (path, path.stat().st_mtime, reader)
        except OSError as e:
            raise AssetError(name, f"could not be read ({e.strerror or e})") from e
        cached = self._cache.get(key)
        if cached is not None:
            return cast(T, cached)
        self.loads += 1
        value = reader(path, name)
        self._cache[key] = value
        return value


def read_part(path: Path, name: str | None = None) -> Part:
    """The file's node tree as parts; raises AssetError for anything it cannot show."""
    label = name or path.name
    errors, _ = inspect_structure(path)
    if errors:
        raise AssetError(label, errors[0])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # trimesh warns about what it skips
            scene = trimesh.load(str(path), force="scene")
        if not isinstance(scene, trimesh.Scene) or not any(
            isinstance(g, trimesh.Trimesh) and len(g.faces) for g in scene.geometry.values()
        ):
            raise AssetError(label, "contains no triangle meshes")
        return part_of_scene(scene, Path(label).stem)
    except AssetError:
        raise
    except Exception as e:  # trimesh and the conversion raise many kinds for a broken file
        raise AssetError(label, f"could not be read ({type(e).__name__}: {e})") from e


def check_asset(path: Path, character: CharacterSpec | None = None) -> tuple[list[str], list[str]]:
    """Open an asset file as the world will: (errors, warnings), each a sentence.

    Errors: the file cannot be read, is cut short, uses a glTF extension trimesh
    cannot decode, or has no triangles. Warnings: parts of the file that are
    ignored (skins, animations). For ``vrtherapy validate``. With ``character`` (a
    partner's ``model:``), the file is opened as that partner's character: errors
    also for names of the mapping the file lacks, warnings for what the partner
    cannot do with it.
    """
    if character is not None:
        return _check_character(path, character)
    errors, notes = inspect_structure(path)
    if errors:
        return errors, notes
    try:
        read_part(path)
        if notes:  # skinned or animated: a partner may show it as a character
            from vrtherapy.world.character import read_character  # (it imports this module)

            read_character(path)
    except AssetError as e:
        return [e.reason], notes
    return [], notes


def _check_character(path: Path, spec: CharacterSpec) -> tuple[list[str], list[str]]:
    # imported here: the character modules use this one
    from vrtherapy.world.character import read_character
    from vrtherapy.world.character_rig import build_character

    try:
        _, problems, notes = build_character(read_character(path), spec)
    except AssetError as e:
        return [e.reason], []
    return problems, notes


def inspect_structure(path: Path) -> tuple[list[str], list[str]]:
    """What a glTF/GLB file's own structure says trimesh cannot show, before loading it.

    Other file types are left to the loader. Hand-written where pygltflib does not
    check: GLB lengths and buffer sizes (pygltflib reads whatever bytes are there).
    """
    suffix = path.suffix.lower()
    if suffix not in (".glb", ".gltf"):
        return [], []
    try:
        data = path.read_bytes()
    except OSError as e:
        return [f"could not be read ({e.strerror or e})"], []
    try:
        gltf, blob, cut = _parse_gltf(data, suffix == ".glb")
    except Exception as e:  # pygltflib and json raise many kinds for a broken file
        return [f"is not a readable glTF file ({type(e).__name__}: {e})"], []
    if cut:
        return [cut], []
    errors: list[str] = []
    used = set(gltf.extensionsUsed or []) | set(gltf.extensionsRequired or [])
    for ext in sorted(used):
        if ext in UNSUPPORTED_EXTENSIONS:
            errors.append(
                f"uses the glTF extension {ext} ({UNSUPPORTED_EXTENSIONS[ext]}), which "
                f"vrtherapy cannot read; {_EXPORT_HINT}"
            )
    for i, image in enumerate(gltf.images or []):
        mime = (image.mimeType or "").lower()
        uri = (image.uri or "").lower()
        if "ktx2" in mime or uri.endswith(".ktx2") or uri.startswith("data:image/ktx2"):
            errors.append(
                f"image {i} is a KTX2 texture, which vrtherapy cannot read; use PNG or JPEG"
            )
    errors.extend(_buffer_problems(gltf, blob, path.parent))
    notes: list[str] = []
    # as an object's asset; a partner's 'model:' uses them (world/character.py)
    if gltf.skins:
        n = len(gltf.skins)
        notes.append(
            f"{n} skin{'s are' if n > 1 else ' is'} ignored: the model is shown unposed "
            "(a partner's 'model:' uses them)"
        )
    if gltf.animations:
        n = len(gltf.animations)
        notes.append(
            f"{n} animation{'s are' if n > 1 else ' is'} ignored: the model stands still "
            "(a partner's 'model:' plays them)"
        )
    return errors, notes


def _parse_gltf(data: bytes, binary: bool) -> tuple[Any, bytes | None, str | None]:
    """(glTF document, GLB binary chunk or None, why the file is cut short or None)."""
    from pygltflib import GLTF2

    if not binary:
        return GLTF2.gltf_from_json(data.decode("utf-8")), None, None
    if len(data) < 20 or data[:4] != _GLB_MAGIC:
        return None, None, "is not a GLB file (no 'glTF' header)"
    _, length = struct.unpack_from("<II", data, 4)
    if length > len(data):
        return None, None, f"is cut short: {len(data)} of {length} bytes"
    index, doc, blob = 12, None, None
    while index + 8 <= length:
        chunk_length, chunk_type = struct.unpack_from("<I4s", data, index)
        body = data[index + 8 : index + 8 + chunk_length]
        if len(body) < chunk_length:
            return None, None, "is cut short inside a chunk"
        if chunk_type == b"JSON":
            doc = GLTF2.gltf_from_json(body.decode("utf-8"))
        elif chunk_type == b"BIN\x00":
            blob = body
        index += 8 + chunk_length
    if doc is None:
        return None, None, "has no JSON chunk"
    return doc, blob, None


def _buffer_problems(gltf: Any, blob: bytes | None, folder: Path) -> list[str]:
    out: list[str] = []
    for i, buf in enumerate(gltf.buffers or []):
        need = int(buf.byteLength or 0)
        uri = buf.uri
        if uri is None:
            have = len(blob) if blob is not None else 0
            where = "the file's binary chunk"
        elif uri.startswith("data:"):
            try:
                have = len(base64.b64decode(uri.split(",", 1)[1], validate=True))
            except (IndexError, ValueError):
                out.append(f"buffer {i} has a broken data: URI")
                continue
            where = "its data: URI"
        else:
            target = folder / uri
            if not target.is_file():
                out.append(f"buffer {i} names '{uri}', which is not next to the file")
                continue
            have, where = target.stat().st_size, f"'{uri}'"
        if have < need:
            out.append(f"is cut short: buffer {i} needs {need} bytes, {where} has {have}")
    return out


def placeholder() -> Part:
    """A 1 m magenta and grey box standing on the floor: plainly 'something is missing here'."""
    return Part("missing_asset", _placeholder_mesh(), identity(), Material(roughness=0.9))


def _placeholder_mesh() -> Mesh:
    cube = box(1.0, 1.0, 1.0, (1.0, 0.0, 1.0, 1.0), base=True)
    # Alternate magenta and grey on neighbouring faces so it reads as a placeholder.
    grey = np.abs(cube.normals[:, 1]) > 0.5
    colors = cube.colors.copy()
    colors[grey] = (0.5, 0.5, 0.5, 1.0)
    return _bake(Geo(cube.positions, cube.normals, colors, cube.indices), ao=False)
