"""Meshes on the GPU, uploaded once per ``Mesh.key`` and evicted when unused.

Each cached mesh has a VAO with its vertex buffer (position, normal, colour,
interleaved) and its index buffer. Instance data (model matrix, tint,
roughness/emissive per instance, attribute divisor 1) lives in one buffer shared
by all meshes: a frame's rows are uploaded with one ``glBufferSubData``, and each
mesh's VAO points at its run of rows, re-pointed only when the run moves (the
scene's layout changed). Drawing every item that shares a mesh is then one
``glDrawElementsInstanced``, however many people a crowd has.
"""

from __future__ import annotations

import ctypes
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from vrtherapy.render.gpu_store import GpuStore
from vrtherapy.world.types import F32, INSTANCE_FLOATS, Mesh

VERTEX_FLOATS = 10  # position 3, normal 3, colour 4
# What one frame may upload for a scene that is not on screen yet (``preload``): a new
# world reaches the GPU over several frames instead of stalling one.
UPLOAD_BYTES_PER_FRAME = 1 << 20
UPLOAD_MESHES_PER_FRAME = 8
_F = 4  # bytes per float32
_INSTANCE_LAYOUT = [(3, 4, 0), (4, 4, 4), (5, 4, 8), (6, 4, 12), (7, 4, 16), (8, 2, 20)]


@dataclass
class UploadBudget:
    """What one frame may still upload for scenes that are not on screen yet."""

    bytes: int = UPLOAD_BYTES_PER_FRAME
    meshes: int = UPLOAD_MESHES_PER_FRAME
    spent: int = 0  # meshes uploaded against it

    def allows(self, size: int) -> bool:
        # at least one mesh per frame, however large, so that every scene gets there
        return self.spent == 0 or (self.spent < self.meshes and size <= self.bytes)

    def spend(self, size: int) -> None:
        self.spent += 1
        self.bytes -= size


@dataclass
class GpuMesh:
    key: str
    vao: int
    vertex_buffer: int
    index_buffer: int
    index_count: int
    index_type: int
    triangles: int
    last_used: int
    instance_offset: int = -1  # byte offset in the instance buffer its VAO points at


def mesh_bytes(mesh: Mesh) -> int:
    """Bytes a mesh's vertex and index buffers take on the GPU."""
    n = len(mesh.positions)
    return n * VERTEX_FLOATS * _F + int(np.size(mesh.indices)) * (2 if n <= 65536 else 4)


def interleave(mesh: Mesh) -> F32:
    """Vertex data as one (N, 10) float32 array: position, normal, colour."""
    n = len(mesh.positions)
    out = np.empty((n, VERTEX_FLOATS), dtype=np.float32)
    out[:, 0:3] = mesh.positions
    out[:, 3:6] = mesh.normals
    out[:, 6:10] = mesh.colors
    return out


class MeshCache(GpuStore[Mesh, GpuMesh]):
    """GPU copies of meshes by key; ``evict`` frees those unused for a while."""

    def __init__(self, gl: Any, evict_after_frames: int = 600) -> None:
        super().__init__(gl, evict_after_frames)
        self.instance_buffer = 0  # shared by every mesh; made with the first mesh
        self._instance_capacity = 0  # rows it can hold
        self._instance_rows: F32 | None = None  # what it holds now

    def __len__(self) -> int:
        return len(self.meshes)

    def __contains__(self, key: str) -> bool:
        return key in self.meshes

    def preload(self, meshes: Sequence[Mesh], frame: int, budget: UploadBudget) -> bool:
        """Upload those of ``meshes`` not on the GPU yet that ``budget`` allows; True when
        all of them are there now."""
        complete = True
        for mesh in meshes:
            gpu = self.meshes.get(mesh.key)
            if gpu is not None:
                gpu.last_used = frame
                continue
            size = mesh_bytes(mesh)
            if not budget.allows(size):
                complete = False
                continue
            self.meshes[mesh.key] = self._upload(mesh, frame)
            budget.spend(size)
        return complete

    def _upload(self, mesh: Mesh, frame: int) -> GpuMesh:
        gl = self.gl
        self.uploads += 1
        vertices = interleave(mesh)
        indices = np.ascontiguousarray(mesh.indices, dtype=np.uint32).ravel()
        if len(vertices) <= 65536:
            index_data: npt.NDArray[Any] = indices.astype(np.uint16)
            index_type = gl.GL_UNSIGNED_SHORT
        else:
            index_data = indices
            index_type = gl.GL_UNSIGNED_INT

        self._ensure_instance_buffer()
        vao = int(gl.glGenVertexArrays(1))
        vbo, ibo = (int(b) for b in gl.glGenBuffers(2))
        gl.glBindVertexArray(vao)
        gl.glBindBuffer(gl.GL_ARRAY_BUFFER, vbo)
        gl.glBufferData(gl.GL_ARRAY_BUFFER, vertices.nbytes, vertices, gl.GL_STATIC_DRAW)
        stride = VERTEX_FLOATS * _F
        for location, (size, offset) in enumerate(((3, 0), (3, 3), (4, 6))):
            gl.glEnableVertexAttribArray(location)
            gl.glVertexAttribPointer(
                location, size, gl.GL_FLOAT, gl.GL_FALSE, stride, ctypes.c_void_p(offset * _F)
            )
        gl.glBindBuffer(gl.GL_ELEMENT_ARRAY_BUFFER, ibo)
        gl.glBufferData(
            gl.GL_ELEMENT_ARRAY_BUFFER, index_data.nbytes, index_data, gl.GL_STATIC_DRAW
        )

        for location, _, _ in _INSTANCE_LAYOUT:  # pointed at its rows before each draw
            gl.glEnableVertexAttribArray(location)
            gl.glVertexAttribDivisor(location, 1)
        gl.glBindVertexArray(0)
        gpu = GpuMesh(
            key=mesh.key,
            vao=vao,
            vertex_buffer=vbo,
            index_buffer=ibo,
            index_count=int(indices.size),
            index_type=index_type,
            triangles=int(indices.size // 3),
            last_used=frame,
        )
        self.point_instances(gpu, 0)  # never an enabled array without a buffer
        return gpu

    def _ensure_instance_buffer(self) -> None:
        if not self.instance_buffer:
            gl = self.gl
            self.instance_buffer = int(gl.glGenBuffers(1))
            self._instance_capacity = 1
            gl.glBindBuffer(gl.GL_ARRAY_BUFFER, self.instance_buffer)
            gl.glBufferData(gl.GL_ARRAY_BUFFER, INSTANCE_FLOATS * _F, None, gl.GL_STREAM_DRAW)

    def upload_instances(self, rows: F32) -> None:
        """Put one frame's instance rows (n, INSTANCE_FLOATS) into the shared buffer: one
        upload per frame. Skipped when the buffer holds these very rows (a draw list's
        rows are read-only, so a static scene's unchanged list uploads nothing);
        otherwise the buffer is orphaned (fresh storage, no wait on the GPU still reading
        last frame's) and filled with one glBufferSubData."""
        if rows is self._instance_rows or not len(rows):
            return
        gl = self.gl
        self._ensure_instance_buffer()
        if len(rows) > self._instance_capacity:
            self._instance_capacity = max(len(rows), 2 * self._instance_capacity)
        gl.glBindBuffer(gl.GL_ARRAY_BUFFER, self.instance_buffer)
        gl.glBufferData(
            gl.GL_ARRAY_BUFFER,
            self._instance_capacity * INSTANCE_FLOATS * _F,
            None,
            gl.GL_STREAM_DRAW,
        )
        gl.glBufferSubData(gl.GL_ARRAY_BUFFER, 0, rows.nbytes, rows)
        self._instance_rows = rows

    def point_instances(self, gpu: GpuMesh, first_row: int) -> None:
        """Point the mesh's instance attributes at rows from ``first_row`` of the shared
        buffer (GL calls only when its run moved since the last frame)."""
        offset = first_row * INSTANCE_FLOATS * _F
        if gpu.instance_offset == offset:
            return
        gl = self.gl
        gl.glBindVertexArray(gpu.vao)
        gl.glBindBuffer(gl.GL_ARRAY_BUFFER, self.instance_buffer)
        stride = INSTANCE_FLOATS * _F
        for location, size, at in _INSTANCE_LAYOUT:
            gl.glVertexAttribPointer(
                location,
                size,
                gl.GL_FLOAT,
                gl.GL_FALSE,
                stride,
                ctypes.c_void_p(offset + at * _F),
            )
        gl.glBindVertexArray(0)
        gpu.instance_offset = offset

    def clear(self) -> None:
        self.free_all()
        if self.instance_buffer:
            self.gl.glDeleteBuffers(1, [self.instance_buffer])
            self.instance_buffer = self._instance_capacity = 0
            self._instance_rows = None

    def _free(self, gpu: GpuMesh) -> None:
        self.gl.glDeleteVertexArrays(1, [gpu.vao])
        self.gl.glDeleteBuffers(2, [gpu.vertex_buffer, gpu.index_buffer])
