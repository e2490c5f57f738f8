"""Small glTF/GLB files made in the test, and broken or unsupported variants of them
(through pygltflib): nothing is downloaded."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pygltflib
import trimesh
from PIL import Image


def box_glb(path: Path, rgb: tuple[int, int, int] = (30, 200, 60), size: float = 1.0) -> Path:
    """A plain box of one colour, ``size`` metres on a side, centred on its origin."""
    box = trimesh.creation.box((size, size, size))
    box.visual.vertex_colors = np.tile([*rgb, 255], (len(box.vertices), 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(box.export(file_type="glb"))
    return path


def textured_glb(path: Path) -> Path:
    box = trimesh.creation.box((1.0, 1.0, 1.0))
    uv = np.full((len(box.vertices), 2), 0.5)
    box.visual = trimesh.visual.TextureVisuals(uv=uv, image=Image.new("RGB", (4, 4), (200, 9, 9)))
    path.write_bytes(box.export(file_type="glb"))
    return path


def edited(src: Path, dst: Path, edit: Callable[[Any], None]) -> Path:
    """A copy of ``src`` with its glTF document changed by ``edit`` (a pygltflib GLTF2)."""
    gltf = pygltflib.GLTF2().load(str(src))
    edit(gltf)
    gltf.save(str(dst))
    return dst


def uses(*extensions: str) -> Callable[[Any], None]:
    def edit(gltf: Any) -> None:
        gltf.extensionsUsed = list(extensions)
        gltf.extensionsRequired = list(extensions)

    return edit


def ktx2_texture(gltf: Any) -> None:
    """The texture becomes a KTX2 image through KHR_texture_basisu, as Basis exporters write."""
    gltf.textures[0].source = None
    gltf.textures[0].extensions = {"KHR_texture_basisu": {"source": 0}}
    gltf.images[0].mimeType = "image/ktx2"
    uses("KHR_texture_basisu")(gltf)


def animated(gltf: Any) -> None:
    gltf.animations = [pygltflib.Animation(channels=[], samplers=[])]
    gltf.skins = [pygltflib.Skin(joints=[0])]
