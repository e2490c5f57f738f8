"""The skinned draw path: characters bent by joints and morph targets on the GPU.

Kept apart from the batched path (``batching.py``, ``mesh_cache.py``): a skinned
mesh has per-item joint matrices and morph weights, so each item is one draw call.
Per mesh key, uploaded once: a VAO with position, normal, colour and weights
(float) and joint indices (unsigned short, an integer attribute), an index
buffer, and the morph target deltas in a texture buffer (RGBA32F texels,
position then normal delta per vertex and target). Per frame: every item's joint
matrices go into one uniform buffer, each item's range bound to the ``Joints``
block before its draw; morph weights are a uniform array. The renderer calls
:meth:`SkinnedDrawer.prepare` once per frame and :meth:`SkinnedDrawer.draw` once
per view (stereo: once per eye, with that eye's ``Frame`` block bound) and, where
the sun casts shadows, once into the shadow map with the depth-only program.
"""

from __future__ import annotations

import ctypes
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from vrtherapy.render.frame_uniforms import aligned
from vrtherapy.render.gpu_store import GpuStore
from vrtherapy.render.shaders import build_program
from vrtherapy.render.shadows import SHADOW_TEXTURE_UNIT
from vrtherapy.world.character import MAX_JOINTS, MAX_MORPHS
from vrtherapy.world.types import F32, SkinnedItem, SkinnedMesh

JOINTS_BINDING = 2  # uniform block binding point of the Joints block (Frame is 0)
MORPH_UNIT = 7  # texture unit of the morph deltas, clear of the ones other passes use
VERTEX_FLOATS = 14  # position 3, normal 3, colour 4, weights 4
_F = 4
_JOINT_BLOCK = MAX_JOINTS * 64  # bytes: the shader's Joints block


@dataclass
class GpuSkinned:
    key: str
    vao: int
    buffers: tuple[int, int, int, int]  # vertices, joints, indices, morph texture buffer
    morph_texture: int
    index_count: int
    index_type: int
    vertex_count: int
    morph_count: int
    last_used: int


def interleave(mesh: SkinnedMesh) -> F32:
    """Vertex data (N, 14): position, normal, colour, joint weights."""
    n = len(mesh.positions)
    out = np.empty((n, VERTEX_FLOATS), dtype=np.float32)
    out[:, 0:3] = mesh.positions
    out[:, 3:6] = mesh.normals
    out[:, 6:10] = np.clip(mesh.colors, 0.0, 1.0)
    out[:, 10:14] = mesh.weights
    return out


def morph_texels(mesh: SkinnedMesh) -> F32:
    """Morph deltas as RGBA texels (T * N * 2, 4), target-major, position before normal;
    one zero texel for a mesh without targets (a buffer texture needs some storage)."""
    t, n = mesh.morph_positions.shape[:2]
    if t == 0:
        return np.zeros((1, 4), dtype=np.float32)
    out = np.zeros((t, n, 2, 4), dtype=np.float32)
    out[:, :, 0, :3] = mesh.morph_positions
    out[:, :, 1, :3] = mesh.morph_normals
    return out.reshape(-1, 4)


@dataclass(frozen=True)
class _SkinUniforms:
    """Where a skinned program's per-item uniforms are (-1: the program has none)."""

    vertex_count: int
    morph_count: int
    morph_weights: int
    tint: int
    material: int
    light: int

    @staticmethod
    def of(gl: Any, program: int) -> _SkinUniforms:
        loc = gl.glGetUniformLocation
        names = ("u_vertex_count", "u_morph_count", "u_morph_weights", "u_tint", "u_material")
        return _SkinUniforms(*(int(loc(program, n)) for n in (*names, "u_light")))


class SkinnedDrawer(GpuStore[SkinnedMesh, GpuSkinned]):
    """GPU resources and draw calls of the skinned path (the GL context must be current)."""

    def __init__(self, gl: Any, evict_after_frames: int = 600) -> None:
        super().__init__(gl, evict_after_frames)
        sizes = [f"MAX_JOINTS {MAX_JOINTS}", f"MAX_MORPHS {MAX_MORPHS}"]
        self.program = build_program("skinned.vert.glsl", "scene.frag.glsl", defines=sizes)
        # the same bending into the sun's shadow map, depth only (render/shadows.py)
        self.depth_program = build_program(
            "skinned.vert.glsl", "shadow.frag.glsl", defines=[*sizes, "DEPTH_ONLY 1"]
        )
        self._uniforms = {p: _SkinUniforms.of(gl, p) for p in (self.program, self.depth_program)}
        for p in (self.program, self.depth_program):
            gl.glUniformBlockBinding(p, gl.glGetUniformBlockIndex(p, "Joints"), JOINTS_BINDING)
            gl.glUseProgram(p)
            gl.glUniform1i(gl.glGetUniformLocation(p, "u_morphs"), MORPH_UNIT)
        # scene.frag.glsl receives the sun's shadow map, as the batched programs do
        gl.glUseProgram(self.program)
        gl.glUniform1i(gl.glGetUniformLocation(self.program, "u_shadow_map"), SHADOW_TEXTURE_UNIT)
        gl.glUseProgram(0)
        alignment = int(gl.glGetIntegerv(gl.GL_UNIFORM_BUFFER_OFFSET_ALIGNMENT))
        self._stride = aligned(_JOINT_BLOCK, max(alignment, 16))
        self._max_texels = int(gl.glGetIntegerv(gl.GL_MAX_TEXTURE_BUFFER_SIZE))
        self._ubo = int(gl.glGenBuffers(1))
        self._ubo_bytes = 0

    def prepare(
        self, items: Sequence[SkinnedItem], frame: int
    ) -> list[tuple[GpuSkinned, SkinnedItem, int]]:
        """Upload new meshes and this frame's joint matrices; (gpu mesh, item, offset of
        its joint matrices in the uniform buffer) for each item to draw."""
        shown = [it for it in items if it.material.tint[3] > 0.0 and len(it.mesh.indices)]
        if not shown:
            return []
        stride = self._stride // _F
        data = np.zeros(stride * len(shown), dtype=np.float32)
        out = []
        for i, it in enumerate(shown):
            jm = np.asarray(it.joint_matrices, dtype=np.float32)
            if len(jm) > MAX_JOINTS:
                raise ValueError(f"a skinned item has {len(jm)} joints (at most {MAX_JOINTS})")
            data[i * stride : i * stride + 16 * len(jm)] = jm.transpose(0, 2, 1).ravel()
            out.append((self.get(it.mesh, frame), it, i * self._stride))
        gl = self.gl
        gl.glBindBuffer(gl.GL_UNIFORM_BUFFER, self._ubo)
        gl.glBufferData(gl.GL_UNIFORM_BUFFER, data.nbytes, data, gl.GL_STREAM_DRAW)
        self._ubo_bytes = data.nbytes
        return out

    def draw(
        self, prepared: list[tuple[GpuSkinned, SkinnedItem, int]], light: F32 | None = None
    ) -> None:
        """Draw the prepared items into the bound target with the bound Frame block; with
        ``light`` (world -> the shadow map's clip space, row-major), their depth into the
        bound shadow map instead (characters cast shadows)."""
        if not prepared:
            return
        gl = self.gl
        program = self.program if light is None else self.depth_program
        u = self._uniforms[program]
        gl.glUseProgram(program)
        if light is not None:
            gl.glUniformMatrix4fv(u.light, 1, gl.GL_TRUE, light)
        gl.glActiveTexture(gl.GL_TEXTURE0 + MORPH_UNIT)
        weights = np.zeros(MAX_MORPHS, dtype=np.float32)
        for gpu, item, offset in prepared:
            gl.glBindBufferRange(
                gl.GL_UNIFORM_BUFFER, JOINTS_BINDING, self._ubo, offset, _JOINT_BLOCK
            )
            gl.glBindTexture(gl.GL_TEXTURE_BUFFER, gpu.morph_texture)
            count = min(gpu.morph_count, len(item.morph_weights))
            weights[:] = 0.0
            weights[:count] = item.morph_weights[:count]
            gl.glUniform1i(u.vertex_count, gpu.vertex_count)
            gl.glUniform1i(u.morph_count, count)
            gl.glUniform1fv(u.morph_weights, MAX_MORPHS, weights)
            if light is None:
                m = item.material
                gl.glUniform4f(u.tint, *m.tint)
                gl.glUniform2f(u.material, m.roughness, m.emissive)
            gl.glBindVertexArray(gpu.vao)
            gl.glDrawElements(gl.GL_TRIANGLES, gpu.index_count, gpu.index_type, None)
        gl.glBindTexture(gl.GL_TEXTURE_BUFFER, 0)
        gl.glActiveTexture(gl.GL_TEXTURE0)

    def _bytes(self, mesh: SkinnedMesh) -> int:
        n = len(mesh.positions)
        texels = max(1, int(np.prod(mesh.morph_positions.shape[:2])) * 2)
        return n * (VERTEX_FLOATS * _F + 8) + int(np.size(mesh.indices)) * _F + texels * 16

    def _upload(self, mesh: SkinnedMesh, frame: int) -> GpuSkinned:
        gl = self.gl
        self.uploads += 1
        vertices = interleave(mesh)
        joints = np.ascontiguousarray(mesh.joints, dtype=np.uint16)
        indices = np.ascontiguousarray(mesh.indices, dtype=np.uint32).ravel()
        texels = morph_texels(mesh)
        morphs = len(mesh.morph_names) if len(mesh.morph_positions) else 0
        if len(texels) > self._max_texels:
            # This GPU's buffer textures are too small for the deltas: the character is
            # shown in its rest shape rather than not at all.
            texels, morphs = texels[:1], 0
        vao = int(gl.glGenVertexArrays(1))
        vbo, jbo, ibo, tbo = (int(b) for b in gl.glGenBuffers(4))
        gl.glBindVertexArray(vao)
        gl.glBindBuffer(gl.GL_ARRAY_BUFFER, vbo)
        gl.glBufferData(gl.GL_ARRAY_BUFFER, vertices.nbytes, vertices, gl.GL_STATIC_DRAW)
        stride = VERTEX_FLOATS * _F
        for location, size, offset in ((0, 3, 0), (1, 3, 3), (2, 4, 6), (4, 4, 10)):
            gl.glEnableVertexAttribArray(location)
            gl.glVertexAttribPointer(
                location, size, gl.GL_FLOAT, gl.GL_FALSE, stride, ctypes.c_void_p(offset * _F)
            )
        gl.glBindBuffer(gl.GL_ARRAY_BUFFER, jbo)
        gl.glBufferData(gl.GL_ARRAY_BUFFER, joints.nbytes, joints, gl.GL_STATIC_DRAW)
        gl.glEnableVertexAttribArray(3)
        gl.glVertexAttribIPointer(3, 4, gl.GL_UNSIGNED_SHORT, 8, ctypes.c_void_p(0))
        gl.glBindBuffer(gl.GL_ELEMENT_ARRAY_BUFFER, ibo)
        gl.glBufferData(gl.GL_ELEMENT_ARRAY_BUFFER, indices.nbytes, indices, gl.GL_STATIC_DRAW)
        gl.glBindVertexArray(0)
        gl.glBindBuffer(gl.GL_TEXTURE_BUFFER, tbo)
        gl.glBufferData(gl.GL_TEXTURE_BUFFER, texels.nbytes, texels, gl.GL_STATIC_DRAW)
        gl.glBindBuffer(gl.GL_TEXTURE_BUFFER, 0)
        texture = int(gl.glGenTextures(1))
        gl.glBindTexture(gl.GL_TEXTURE_BUFFER, texture)
        gl.glTexBuffer(gl.GL_TEXTURE_BUFFER, gl.GL_RGBA32F, tbo)
        gl.glBindTexture(gl.GL_TEXTURE_BUFFER, 0)
        return GpuSkinned(
            mesh.key,
            vao,
            (vbo, jbo, ibo, tbo),
            texture,
            int(indices.size),
            gl.GL_UNSIGNED_INT,
            len(vertices),
            morphs,
            frame,
        )

    def _free(self, gpu: GpuSkinned) -> None:
        self.gl.glDeleteVertexArrays(1, [gpu.vao])
        self.gl.glDeleteBuffers(4, list(gpu.buffers))
        self.gl.glDeleteTextures(1, [gpu.morph_texture])

    def release(self) -> None:
        self.free_all()
        self.gl.glDeleteBuffers(1, [self._ubo])
        self.gl.glDeleteProgram(self.program)
        self.gl.glDeleteProgram(self.depth_program)
