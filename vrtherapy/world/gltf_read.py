"""Decoding a glTF file's binary data into numpy arrays: buffers, accessors, images.

pygltflib parses the JSON and the GLB container but leaves the binary data to the
caller, so the accessor rules of the glTF 2.0 specification (strides, normalised
integers, sparse substitution) are written out here, each checked against the
buffer it reads so that a broken file names the accessor at fault instead of
showing garbage. Every error is a :class:`~vrtherapy.world.assets.AssetError`.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote

import numpy as np
import numpy.typing as npt
from PIL import Image

from vrtherapy.world.assets import AssetError

T = TypeVar("T")

_COMPONENTS: dict[int, type[np.generic]] = {
    5120: np.int8,
    5121: np.uint8,
    5122: np.int16,
    5123: np.uint16,
    5125: np.uint32,
    5126: np.float32,
}
_WIDTH = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT4": 16}


class GltfData:
    """A loaded glTF document with its buffers, decoding accessors and images on demand."""

    def __init__(self, gltf: Any, label: str, folder: Path) -> None:
        self.gltf = gltf
        self.label = label
        self.folder = folder
        self._buffers: dict[int, bytes] = {}

    def fail(self, reason: str) -> AssetError:
        return AssetError(self.label, reason)

    def item(self, items: Sequence[T] | None, index: int | None, what: str, kind: str) -> T:
        """``items[index]``; else the error that ``what`` names a ``kind`` that does not
        exist (a list glTF leaves out is empty)."""
        listed = items or []
        if index is None or not 0 <= index < len(listed):
            raise self.fail(f"{what} names {kind} {index}, which does not exist")
        return listed[index]

    def buffer(self, index: int) -> bytes:
        got = self._buffers.get(index)
        if got is not None:
            return got
        buffers = self.gltf.buffers or []
        if not 0 <= index < len(buffers):
            raise self.fail(f"buffer {index} does not exist (the file has {len(buffers)})")
        uri = buffers[index].uri
        if uri is None:
            data = self.gltf.binary_blob() or b""
        elif uri.startswith("data:"):
            try:
                data = base64.b64decode(uri.split(",", 1)[1], validate=True)
            except (IndexError, ValueError) as e:
                raise self.fail(f"buffer {index} has a broken data: URI") from e
        else:
            try:
                data = (self.folder / unquote(uri)).read_bytes()
            except OSError as e:
                raise self.fail(f"buffer {index}: '{uri}' could not be read ({e.strerror})") from e
        self._buffers[index] = data
        return data

    def view(self, index: int, what: str) -> tuple[bytes, int, int, int | None]:
        """(buffer bytes, view start, view length, byte stride) of buffer view ``index``."""
        v = self.item(self.gltf.bufferViews, index, what, "buffer view")
        data = self.buffer(int(v.buffer or 0))
        start, length = int(v.byteOffset or 0), int(v.byteLength or 0)
        if start + length > len(data):
            raise self.fail(
                f"buffer view {index} ({what}) reaches byte {start + length}, past the end of "
                f"buffer {v.buffer} ({len(data)} bytes): the file is cut short"
            )
        return data, start, length, v.byteStride

    def accessor(self, index: int | None, what: str) -> npt.NDArray[Any]:
        """Accessor ``index`` as an array (count,) or (count, width); normalised integer
        data becomes float32 in 0..1 (or -1..1). ``what`` says what it holds, for errors."""
        a = self.item(self.gltf.accessors, index, what, "accessor")
        where = f"accessor {index} ({what})"
        dtype = _COMPONENTS.get(int(a.componentType or 0))
        width = _WIDTH.get(str(a.type))
        if dtype is None or width is None:
            raise self.fail(f"{where} has component type {a.componentType} and type {a.type}")
        count = int(a.count or 0)
        item = np.dtype(dtype).itemsize
        if a.bufferView is None:
            out = np.zeros((count, width), dtype=dtype)
        else:
            data, start, length, stride = self.view(int(a.bufferView), where)
            step = int(stride or item * width)
            offset = int(a.byteOffset or 0)
            if count and offset + step * (count - 1) + item * width > length:
                raise self.fail(
                    f"{where} needs {offset + step * (count - 1) + item * width} bytes of "
                    f"buffer view {a.bufferView}, which holds {length}"
                )
            raw = np.ndarray(
                (count, width),
                dtype=np.dtype(dtype).newbyteorder("<"),
                buffer=data,
                offset=start + offset,
                strides=(step, item),
            )
            out = np.array(raw, dtype=dtype)
        if a.sparse is not None and int(a.sparse.count or 0) > 0:
            self._sparse(a.sparse, out, where)
        if bool(a.normalized) and np.issubdtype(out.dtype, np.integer):
            top = float(np.iinfo(out.dtype).max)
            out = np.maximum(out.astype(np.float32) / top, -1.0).astype(np.float32)
        return out[:, 0] if width == 1 else out

    def _sparse(self, sparse: Any, out: npt.NDArray[Any], where: str) -> None:
        n = int(sparse.count)
        idx_type = _COMPONENTS.get(int(sparse.indices.componentType or 0))
        if idx_type is None:
            raise self.fail(f"{where} has sparse indices of an unknown type")
        data, start, length, _ = self.view(int(sparse.indices.bufferView), f"{where}, sparse")
        ioff = start + int(sparse.indices.byteOffset or 0)
        isize = np.dtype(idx_type).itemsize * n
        vdata, vstart, vlength, _ = self.view(int(sparse.values.bufferView), f"{where}, sparse")
        voff = vstart + int(sparse.values.byteOffset or 0)
        vsize = out.dtype.itemsize * out.shape[1] * n
        if ioff + isize > start + length or voff + vsize > vstart + vlength:
            raise self.fail(f"{where}: its sparse data runs past its buffer view")
        indices = np.frombuffer(data, dtype=idx_type, count=n, offset=ioff).astype(np.int64)
        values = np.frombuffer(vdata, dtype=out.dtype, count=n * out.shape[1], offset=voff)
        if n and (indices.min() < 0 or indices.max() >= len(out)):
            raise self.fail(f"{where}: a sparse index is outside the accessor's {len(out)} items")
        out[indices] = values.reshape(n, out.shape[1])

    def image(self, index: int, what: str) -> npt.NDArray[np.float32]:
        """Image ``index`` as (H, W, 4) float32 sRGB values 0..1."""
        img = self.item(self.gltf.images, index, what, "image")
        try:
            if img.bufferView is not None:
                data, start, length, _ = self.view(int(img.bufferView), f"image {index}")
                raw = data[start : start + length]
            elif img.uri is not None and img.uri.startswith("data:"):
                raw = base64.b64decode(img.uri.split(",", 1)[1])
            elif img.uri is not None:
                raw = (self.folder / unquote(img.uri)).read_bytes()
            else:
                raise self.fail(f"image {index} ({what}) has neither data nor a file")
            with Image.open(io.BytesIO(raw)) as opened:
                rgba = np.asarray(opened.convert("RGBA"), dtype=np.float32) / 255.0
        except AssetError:
            raise
        except Exception as e:  # Pillow raises many kinds for a broken image
            raise self.fail(
                f"image {index} ({what}) could not be read ({type(e).__name__}: {e})"
            ) from e
        return rgba
