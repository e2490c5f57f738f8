"""Meshes on the GPU, uploaded once per ``Mesh.key`` and evicted when unused.

Every cached mesh lies in two buffers shared by all of them: its vertices (position,
normal, colour, interleaved) in one, its 32-bit indices in the other, each at a range
handed out by ``ranges.RangeAllocator`` (the buffers grow, keeping what they hold, when
a mesh does not fit). Instance data (model matrix, tint, roughness/emissive per
instance, attribute divisor 1) lives in a third: a frame's rows are uploaded with one
``glBufferSubData``. One vertex array reads all three, so a frame's opaque runs (every
item that shares a mesh, however many people a crowd has) are drawn with one
``glMultiDrawElementsIndirect``: one command per mesh (its index range, base vertex,
first instance row and instance count), kept in a draw-indirect buffer that changes
only when the scene's layout or the cached meshes do.
"""

from __future__ import annotations

import ctypes
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from vrtherapy.render.gpu_store import GpuStore
from vrtherapy.render.ranges import RangeAllocator
from vrtherapy.world.types import F32, I64, INSTANCE_FLOATS, Mesh

VERTEX_FLOATS = 10  # position 3, normal 3, colour 4
VERTEX_BYTES = VERTEX_FLOATS * 4
# the shared buffers' first sizes (vertices, 32-bit indices); they double when full
VERTEX_CAPACITY = 1 << 16
INDEX_CAPACITY = 1 << 18
_F = 4  # bytes per float32
_INSTANCE_LAYOUT = [(3, 4, 0), (4, 4, 4), (5, 4, 8), (6, 4, 12), (7, 4, 16), (8, 2, 20)]


@dataclass
class GpuMesh:
    """Where a mesh lies in the cache's shared buffers: its indices from ``first_index``
    (``index_count`` of them, 32-bit, counted from the mesh's own first vertex) and its
    vertices from ``base_vertex``."""

    key: str
    first_index: int
    index_count: int
    base_vertex: int
    vertex_count: int
    last_used: int


@dataclass(frozen=True, eq=False)
class Batches:
    """A frame's opaque runs as draw commands: per run, its mesh and one
    ``DrawElementsIndirectCommand`` (index count, instance count, first index, base
    vertex, first instance row), drawn with one ``glMultiDrawElementsIndirect``."""

    meshes: tuple[GpuMesh, ...]
    commands: npt.NDArray[np.uint32]  # (runs, 5)
    triangles: int  # over all runs and instances

    def __len__(self) -> int:
        return len(self.meshes)


NO_BATCHES = Batches((), np.zeros((0, 5), np.uint32), 0)


def mesh_bytes(mesh: Mesh) -> int:
    """Bytes a mesh's vertex and index buffers take on the GPU."""
    n = len(mesh.positions)
    return n * VERTEX_BYTES + int(np.size(mesh.indices)) * _F


def interleave(mesh: Mesh) -> F32:
    """Vertex data as one (N, 10) float32 array: position, normal, colour."""
    n = len(mesh.positions)
    out = np.empty((n, VERTEX_FLOATS), dtype=np.float32)
    out[:, 0:3] = mesh.positions
    out[:, 3:6] = mesh.normals
    out[:, 6:10] = mesh.colors
    return out


class MeshCache(GpuStore[Mesh, GpuMesh]):
    """GPU copies of meshes by key in shared buffers; ``evict`` frees those unused for a
    while. ``multi_draw`` (found out from the context) draws a frame's runs with one
    ``glMultiDrawElementsIndirect``; without it each run is one draw: where the context
    has ``base_instance`` (OpenGL 4.2) one that starts at the run's rows, else (OpenGL
    3.3-4.1) one from a vertex array of the run's own, its instance attributes pointed
    at those rows (kept while runs start there: re-pointing six attributes per run and
    pass would cost more GL calls than the draws)."""

    def __init__(self, gl: Any, evict_after_frames: int = 600) -> None:
        super().__init__(gl, evict_after_frames)
        self.vao = 0  # the one vertex array: shared vertices, indices and instance rows
        self.vertex_buffer = self.index_buffer = self.instance_buffer = 0
        self._command_buffer = 0
        self._vertices = RangeAllocator(VERTEX_CAPACITY)
        self._indices = RangeAllocator(INDEX_CAPACITY)
        self._instance_capacity = 0  # rows the instance buffer can hold
        self._instance_rows: F32 | None = None  # what it holds now
        # OpenGL 3.3-4.1 without base instances: a vertex array per run's first row, its
        # instance attributes pointed there (``self.vao``'s stay at row 0)
        self._run_vaos: dict[int, int] = {}
        self._commands: tuple[Any, ...] = ()  # what the command buffer was made from
        self._batches = NO_BATCHES
        self.generation = 0  # changes whenever a mesh comes or goes
        self.multi_draw, self.base_instance = draw_support(gl)

    def __len__(self) -> int:
        return len(self.meshes)

    def __contains__(self, key: str) -> bool:
        return key in self.meshes

    @property
    def capacity(self) -> tuple[int, int]:
        """(vertices, indices) the shared buffers hold now."""
        return self._vertices.capacity, self._indices.capacity

    def _bytes(self, mesh: Mesh) -> int:
        return mesh_bytes(mesh)

    # -- the shared buffers -----------------------------------------------------------

    def _ensure_buffers(self) -> None:
        if self.vao:
            return
        gl = self.gl
        self.vao = int(gl.glGenVertexArrays(1))
        self.vertex_buffer, self.index_buffer, self.instance_buffer, self._command_buffer = (
            int(b) for b in gl.glGenBuffers(4)
        )
        for target, name, size in (
            (gl.GL_ARRAY_BUFFER, self.vertex_buffer, self._vertices.capacity * VERTEX_BYTES),
            (gl.GL_ARRAY_BUFFER, self.index_buffer, self._indices.capacity * _F),
            (gl.GL_ARRAY_BUFFER, self.instance_buffer, INSTANCE_FLOATS * _F),
        ):
            gl.glBindBuffer(target, name)
            gl.glBufferData(target, size, None, gl.GL_STATIC_DRAW)
        self._instance_capacity = 1
        self._make_vao(self.vao, 0)

    def _make_vao(self, vao: int, first_row: int) -> None:
        """Set up ``vao`` to read the shared buffers, its instance rows from ``first_row``."""
        gl = self.gl
        gl.glBindVertexArray(vao)
        self._point_vertices()
        gl.glBindBuffer(gl.GL_ELEMENT_ARRAY_BUFFER, self.index_buffer)
        for location, _, _ in _INSTANCE_LAYOUT:
            gl.glEnableVertexAttribArray(location)
            gl.glVertexAttribDivisor(location, 1)
        self._point_instances(first_row)
        gl.glBindVertexArray(0)

    def _run_vao(self, first_row: int) -> int:
        """The vertex array whose instance rows start at ``first_row`` (3.3-4.1 path)."""
        vao = self._run_vaos.get(first_row)
        if vao is None:
            vao = self._run_vaos[first_row] = int(self.gl.glGenVertexArrays(1))
            self._make_vao(vao, first_row)
        return vao

    def _drop_run_vaos(self, keep: frozenset[int] = frozenset()) -> None:
        gone = [vao for row, vao in self._run_vaos.items() if row not in keep]
        if gone:
            self.gl.glDeleteVertexArrays(len(gone), gone)
            self._run_vaos = {r: v for r, v in self._run_vaos.items() if r in keep}

    def _point_vertices(self) -> None:
        """Point the vertex array's per-vertex attributes at the vertex buffer (bound)."""
        gl = self.gl
        gl.glBindBuffer(gl.GL_ARRAY_BUFFER, self.vertex_buffer)
        for location, (size, offset) in enumerate(((3, 0), (3, 3), (4, 6))):
            gl.glEnableVertexAttribArray(location)
            gl.glVertexAttribPointer(
                location,
                size,
                gl.GL_FLOAT,
                gl.GL_FALSE,
                VERTEX_BYTES,
                ctypes.c_void_p(offset * _F),
            )

    def _point_instances(self, first_row: int) -> None:
        """Point the bound vertex array's instance attributes at rows from ``first_row``."""
        gl = self.gl
        offset = first_row * INSTANCE_FLOATS * _F
        gl.glBindBuffer(gl.GL_ARRAY_BUFFER, self.instance_buffer)
        for location, size, at in _INSTANCE_LAYOUT:
            gl.glVertexAttribPointer(
                location,
                size,
                gl.GL_FLOAT,
                gl.GL_FALSE,
                INSTANCE_FLOATS * _F,
                ctypes.c_void_p(offset + at * _F),
            )

    def _grow(self, which: RangeAllocator, needed: int) -> None:
        """Enlarge the vertex or index buffer, keeping what it holds (offsets stay)."""
        gl = self.gl
        vertices = which is self._vertices
        unit = VERTEX_BYTES if vertices else _F
        old = self.vertex_buffer if vertices else self.index_buffer
        old_bytes = which.capacity * unit
        new_bytes = which.grow(needed) * unit
        new = int(gl.glGenBuffers(1))
        gl.glBindBuffer(gl.GL_COPY_WRITE_BUFFER, new)
        gl.glBufferData(gl.GL_COPY_WRITE_BUFFER, new_bytes, None, gl.GL_STATIC_DRAW)
        gl.glBindBuffer(gl.GL_COPY_READ_BUFFER, old)
        gl.glCopyBufferSubData(gl.GL_COPY_READ_BUFFER, gl.GL_COPY_WRITE_BUFFER, 0, 0, old_bytes)
        gl.glDeleteBuffers(1, [old])
        self._drop_run_vaos()  # they read the old buffer; made again when next drawn
        gl.glBindVertexArray(self.vao)
        if vertices:
            self.vertex_buffer = new
            self._point_vertices()
        else:
            self.index_buffer = new
            gl.glBindBuffer(gl.GL_ELEMENT_ARRAY_BUFFER, new)
        gl.glBindVertexArray(0)

    def _place(self, which: RangeAllocator, size: int) -> int:
        start = which.alloc(size)
        if start is None:
            self._grow(which, size)
            start = which.alloc(size)
            assert start is not None  # grow made room for it at the end
        return start

    def _upload(self, mesh: Mesh, frame: int) -> GpuMesh:
        gl = self.gl
        self.uploads += 1
        self._ensure_buffers()
        vertices = interleave(mesh)
        indices = np.ascontiguousarray(mesh.indices, dtype=np.uint32).ravel()
        base = self._place(self._vertices, len(vertices))
        first = self._place(self._indices, len(indices))
        # through the copy target: binding an element buffer would change the vertex array
        for name, at, data in (
            (self.vertex_buffer, base * VERTEX_BYTES, vertices),
            (self.index_buffer, first * _F, indices),
        ):
            if data.nbytes:
                gl.glBindBuffer(gl.GL_COPY_WRITE_BUFFER, name)
                gl.glBufferSubData(gl.GL_COPY_WRITE_BUFFER, at, data.nbytes, data)
        self.generation += 1
        return GpuMesh(
            key=mesh.key,
            first_index=first,
            index_count=int(indices.size),
            base_vertex=base,
            vertex_count=len(vertices),
            last_used=frame,
        )

    def _free(self, gpu: GpuMesh) -> None:
        self._vertices.free(gpu.base_vertex, gpu.vertex_count)
        self._indices.free(gpu.first_index, gpu.index_count)
        self.generation += 1

    # -- a frame's rows and runs ------------------------------------------------------

    def upload_instances(self, rows: F32) -> None:
        """Put one frame's instance rows (n, INSTANCE_FLOATS) into the shared buffer: one
        upload per frame. Skipped when the buffer holds these very rows (a draw list's
        rows are read-only, so a static scene's unchanged list uploads nothing);
        otherwise the buffer is orphaned (fresh storage, no wait on the GPU still reading
        last frame's) and filled with one glBufferSubData."""
        if rows is self._instance_rows or not len(rows):
            return
        gl = self.gl
        self._ensure_buffers()
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

    def batches(self, meshes: Sequence[Mesh], starts: I64, runs: int, frame: int) -> Batches:
        """The first ``runs`` runs as draw commands: run ``k`` is rows ``starts[k] :
        starts[k + 1]`` of the frame's instance data, all of ``meshes[k]``; meshes are
        uploaded where new and marked used at ``frame``. While the runs and the cache's
        meshes stay the same (a scene's frames between layout changes: the same
        ``meshes`` and ``starts`` objects) the commands of the frame before are kept,
        and so is the GPU's copy of them: nothing is uploaded."""
        made = self._commands
        if (
            len(made) == 4
            and made[0] is meshes
            and made[1] is starts
            and made[2] == runs
            and made[3] == self.generation
        ):
            for gpu in self._batches.meshes:
                gpu.last_used = frame
            return self._batches
        gpus = tuple(self.get(m, frame) for m in meshes[:runs])
        n = len(gpus)
        commands = np.empty((n, 5), np.uint32)
        commands[:, 0] = [g.index_count for g in gpus]
        commands[:, 1] = np.diff(starts[: n + 1])
        commands[:, 2] = [g.first_index for g in gpus]
        commands[:, 3] = [g.base_vertex for g in gpus]
        commands[:, 4] = starts[:n]
        triangles = int(((commands[:, 0] // 3).astype(np.int64) * commands[:, 1]).sum())
        self._batches = Batches(gpus, commands, triangles)
        # a mesh uploaded above changed the generation: key the batches by the one now
        self._commands = (meshes, starts, runs, self.generation)
        if self._run_vaos:  # those of rows no run starts at any more
            self._drop_run_vaos(frozenset(commands[:, 4].tolist()))
        if self.multi_draw and n:
            gl = self.gl
            gl.glBindBuffer(gl.GL_DRAW_INDIRECT_BUFFER, self._command_buffer)
            gl.glBufferData(
                gl.GL_DRAW_INDIRECT_BUFFER, commands.nbytes, commands, gl.GL_STATIC_DRAW
            )
        return self._batches

    def draw(self, batches: Batches) -> None:
        """Draw every run of ``batches`` instanced, with the program in use: one
        ``glMultiDrawElementsIndirect`` where the context has it, else a call per run."""
        if not len(batches):
            return
        gl = self.gl
        if self.multi_draw:
            gl.glBindVertexArray(self.vao)
            gl.glBindBuffer(gl.GL_DRAW_INDIRECT_BUFFER, self._command_buffer)
            gl.draw_indirect(len(batches), batches.triangles)
            return
        if self.base_instance:
            gl.glBindVertexArray(self.vao)
        for count, instances, first, base, row in batches.commands.tolist():
            at = ctypes.c_void_p(first * _F)
            if self.base_instance:  # from its rows
                gl.glDrawElementsInstancedBaseVertexBaseInstance(
                    gl.GL_TRIANGLES, count, gl.GL_UNSIGNED_INT, at, instances, base, row
                )
                continue
            gl.glBindVertexArray(self._run_vao(row))  # its instance attributes start there
            gl.glDrawElementsInstancedBaseVertex(
                gl.GL_TRIANGLES, count, gl.GL_UNSIGNED_INT, at, instances, base
            )

    def draw_one(self, gpu: GpuMesh) -> None:
        """One non-instanced draw of ``gpu`` (the shared vertex array bound)."""
        gl = self.gl
        gl.glDrawElementsBaseVertex(
            gl.GL_TRIANGLES,
            gpu.index_count,
            gl.GL_UNSIGNED_INT,
            ctypes.c_void_p(gpu.first_index * _F),
            gpu.base_vertex,
        )

    def clear(self) -> None:
        self.meshes.clear()
        self._drop_run_vaos()
        if self.vao:
            gl = self.gl
            gl.glDeleteVertexArrays(1, [self.vao])
            gl.glDeleteBuffers(
                4,
                [self.vertex_buffer, self.index_buffer, self.instance_buffer, self._command_buffer],
            )
        self.vao = self.vertex_buffer = self.index_buffer = self.instance_buffer = 0
        self._command_buffer = self._instance_capacity = 0
        self._vertices = RangeAllocator(VERTEX_CAPACITY)
        self._indices = RangeAllocator(INDEX_CAPACITY)
        self._instance_rows = None
        self._commands = ()
        self._batches = NO_BATCHES
        self.generation += 1


def draw_support(gl: Any) -> tuple[bool, bool]:
    """What the current context draws a frame's runs with: (indirect multi-draws, base
    instances), from its OpenGL version or extensions. A multi-draw's commands start at
    their rows with their base instance, which contexts without base instances (OpenGL
    4.0-4.1 with ARB_multi_draw_indirect alone) take as a field that must be zero: those
    get no multi-draw."""
    try:
        major = int(gl.glGetIntegerv(gl.GL_MAJOR_VERSION))
        minor = int(gl.glGetIntegerv(gl.GL_MINOR_VERSION))
    except Exception:  # no context: nothing can be drawn anyway
        return False, False
    if (major, minor) >= (4, 3):
        return True, True
    count = int(gl.glGetIntegerv(gl.GL_NUM_EXTENSIONS))
    names = {gl.glGetStringi(gl.GL_EXTENSIONS, i) for i in range(count)}
    base_instance = (major, minor) >= (4, 2) or b"GL_ARB_base_instance" in names
    return base_instance and b"GL_ARB_multi_draw_indirect" in names, base_instance
