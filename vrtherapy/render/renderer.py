"""The renderer: draws a world ``DrawList`` plus in-headset panels into eye views.

Per frame, for all views together: meshes are uploaded once per key (cached) into
shared vertex and index buffers, the draw list's table (its items as instance rows,
grouped per mesh by the world) is uploaded as one block into one instance buffer,
the per-view ``Frame`` uniform blocks are uploaded in one buffer. Where the scene has a
sun that casts shadows, the opaque batches are drawn once from the sun into a shadow
map (``render/shadows.py``), shared by both eyes. Per view: opaque
batches (one ``glMultiDrawElementsIndirect`` for all of them, one instanced command
per mesh; a call per mesh where the context lacks it), skinned characters (``skinned.py``), the
sky (one triangle, only where nothing was drawn), glass back to front (depth write
off), panels, with the fade applied in every shader. Shading is linear; the target
stores sRGB.

Views are in *tracking space*: y = 0 is the floor the client stands on. The
renderer places that floor at ``DrawList.standing_height`` in the world.
"""

from __future__ import annotations

import ctypes
import sys
import time as clock
from collections.abc import Sequence

import numpy as np
from OpenGL import GL

from vrtherapy.render.batching import Batcher, FramePlan, Run
from vrtherapy.render.frame_uniforms import FRAME_BLOCK_SIZE, aligned, pack_frame_block
from vrtherapy.render.glcalls import CountingGL, FrameStats
from vrtherapy.render.gpu_store import UploadBudget
from vrtherapy.render.mesh_cache import Batches, GpuMesh, MeshCache
from vrtherapy.render.overlay import NO_OVERLAY, Overlay, PanelLayout
from vrtherapy.render.panels import PANEL_VERTEX_FLOATS, build_panels
from vrtherapy.render.shaders import FRAME_BINDING, build_program
from vrtherapy.render.shadows import (
    SHADOW_TEXTURE_UNIT,
    LightBox,
    ShadowPass,
    shadow_params,
)
from vrtherapy.render.skinned import SkinnedDrawer
from vrtherapy.render.text import GlyphAtlas, default_atlas
from vrtherapy.render.views import View
from vrtherapy.world.transforms import camera_position, translate
from vrtherapy.world.types import F32, DrawList, Mesh, ShadowQuality, SkinnedMesh

EVICT_EVERY_FRAMES = 60


class Renderer:
    """Draws draw lists into views. Needs a current OpenGL 3.3+ core context.

    ``instancing=False`` draws one call per object with per-object uniforms (the
    naive path, kept for comparison in ``vrtherapy bench`` and in tests).
    ``encode_srgb=True`` encodes sRGB in the shaders, for targets that are not
    sRGB-capable (otherwise GL_FRAMEBUFFER_SRGB and an sRGB attachment do it).
    ``shadow_quality`` sizes the sun's shadow map ("off", "low", "medium", "high");
    a scene whose environment has no shadows (indoors, no sun) never draws one.
    """

    def __init__(
        self,
        *,
        instancing: bool = True,
        encode_srgb: bool = False,
        panel_layout: PanelLayout | None = None,
        evict_after_frames: int = 600,
        cull_back_faces: bool = True,
        shadow_quality: ShadowQuality = "medium",
    ) -> None:
        self.gl = CountingGL()
        self.cull_back_faces = cull_back_faces
        self.instancing = instancing
        self.encode_srgb = encode_srgb
        self.panel_layout = panel_layout or PanelLayout()
        self.frame_index = 0
        self.last_frame_stats = FrameStats()
        self.meshes = MeshCache(self.gl, evict_after_frames)
        self.preloaded = 0  # meshes (plain and skinned) uploaded ahead of being drawn
        self._budget_frame = -1
        self._prepare_s = self._submit_s = 0.0
        self._budget = UploadBudget()
        self._batcher = Batcher()
        self.skinned = SkinnedDrawer(self.gl, evict_after_frames)
        self._instanced = build_program(
            "scene.vert.glsl", "scene.frag.glsl", defines=["INSTANCED 1"]
        )
        self._single = build_program("scene.vert.glsl", "scene.frag.glsl")
        self._sky = build_program("sky.vert.glsl", "sky.frag.glsl")
        self._panel = build_program("panel.vert.glsl", "panel.frag.glsl")
        self.shadows = ShadowPass(self.gl, shadow_quality)
        # the shadow pass's share of the last frame: GL work, and milliseconds in Python
        self.last_shadow_stats = FrameStats()
        self.last_shadow_ms = 0.0
        loc = GL.glGetUniformLocation
        self._u_model = loc(self._single, "u_model")
        self._u_tint = loc(self._single, "u_tint")
        self._u_material = loc(self._single, "u_material")
        self._u_panel_model = loc(self._panel, "u_model")
        GL.glUseProgram(self._panel)
        GL.glUniform1i(loc(self._panel, "u_atlas"), 0)
        for program in (self._instanced, self._single):
            GL.glUseProgram(program)
            GL.glUniform1i(loc(program, "u_shadow_map"), SHADOW_TEXTURE_UNIT)
        GL.glUseProgram(0)
        alignment = int(GL.glGetIntegerv(GL.GL_UNIFORM_BUFFER_OFFSET_ALIGNMENT))
        self._block_stride = aligned(FRAME_BLOCK_SIZE, max(alignment, 16))
        self._ubo = int(GL.glGenBuffers(1))
        self._empty_vao = int(GL.glGenVertexArrays(1))
        self._panel_vao = int(GL.glGenVertexArrays(1))
        self._panel_vbo = int(GL.glGenBuffers(1))
        GL.glBindVertexArray(self._panel_vao)
        GL.glBindBuffer(GL.GL_ARRAY_BUFFER, self._panel_vbo)
        stride = PANEL_VERTEX_FLOATS * 4
        for location, size, offset in ((0, 3, 0), (1, 2, 3), (2, 4, 5)):
            GL.glEnableVertexAttribArray(location)
            GL.glVertexAttribPointer(
                location, size, GL.GL_FLOAT, GL.GL_FALSE, stride, ctypes.c_void_p(offset * 4)
            )
        GL.glBindVertexArray(0)
        self._panel_vertices = 0
        self._panel_key: tuple[Overlay, float] | None = None
        self._atlas: GlyphAtlas | None = None
        self._atlas_texture = 0

    @property
    def uploads(self) -> int:
        """Meshes of either kind (plain and skinned) uploaded since creation, ahead of
        drawing (``preloaded`` of them) or by the frame that drew them."""
        return self.meshes.uploads + self.skinned.uploads

    # -- per frame ------------------------------------------------------------

    def preload(
        self,
        meshes: Sequence[Mesh],
        *,
        skinned: Sequence[SkinnedMesh] = (),
        bounded: bool = True,
    ) -> bool:
        """Put a scene's meshes (and its characters' ``skinned`` meshes) on the GPU ahead
        of drawing it, a bounded amount per frame (``gpu_store.UploadBudget``, shared by
        both kinds); True once all are there.

        Call it each frame until it says True; drawing the scene then uploads nothing.
        ``bounded=False`` uploads them all now (offline tools, never a client's frame)."""
        frame = self.frame_index + 1  # the frame being prepared
        if self._budget_frame != frame:
            self._budget_frame, self._budget = frame, UploadBudget()
        budget = self._budget if bounded else UploadBudget(sys.maxsize, sys.maxsize)
        before = budget.spent
        done = self.meshes.preload(meshes, frame, budget)
        done = self.skinned.preload(skinned, frame, budget) and done
        if bounded:
            self.preloaded += budget.spent - before
        return done

    def render(
        self,
        views: Sequence[View],
        draw_list: DrawList,
        overlay: Overlay = NO_OVERLAY,
        fade: float = 0.0,
        time: float = 0.0,
    ) -> None:
        """Draw one frame into every view; ``fade`` 0 = full scene, 1 = black.

        What it asked of GL is in ``last_frame_stats`` afterwards."""
        gl = self.gl
        gl.reset()
        self._prepare_s = self._submit_s = 0.0
        self.last_shadow_stats, self.last_shadow_ms = FrameStats(), 0.0
        self.frame_index += 1
        fade = min(max(float(fade), 0.0), 1.0)
        gl.glEnable(gl.GL_SCISSOR_TEST)
        gl.glClearColor(0.0, 0.0, 0.0, 1.0)
        if fade >= 1.0:
            # Blackout: nothing of the scene, whatever it holds.
            for v in views:
                self._target(v)
                gl.glClear(gl.GL_COLOR_BUFFER_BIT | gl.GL_DEPTH_BUFFER_BIT)
        else:
            self._draw(views, draw_list, overlay, fade, time)
        gl.glDisable(gl.GL_SCISSOR_TEST)
        if self.frame_index % EVICT_EVERY_FRAMES == 0:
            self._batcher.forget(self.meshes.evict(self.frame_index))
            self.skinned.evict(self.frame_index)
        self.last_frame_stats = gl.stats(self._prepare_s, self._submit_s)

    def _target(self, v: View) -> None:
        gl = self.gl
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, v.framebuffer)
        gl.glViewport(*v.viewport)
        gl.glScissor(*v.viewport)

    def _draw(
        self,
        views: Sequence[View],
        draw_list: DrawList,
        overlay: Overlay,
        fade: float,
        time: float,
    ) -> None:
        gl = self.gl
        floor = translate(0.0, draw_list.standing_height, 0.0)
        world_views = [
            (v.view @ translate(0.0, -draw_list.standing_height, 0.0)).astype(np.float32)
            for v in views
        ]
        if not views:
            return
        start, in_gl = gl.clock(), gl.gl_seconds
        viewpoint = np.mean([camera_position(w) for w in world_views], axis=0)
        plan = self._batcher.plan(draw_list, viewpoint)
        rows = plan.table.rows
        box = self.shadows.box(draw_list.environment, draw_list.standing_height)
        # the shadow pass draws instanced even on the naive path: it needs the rows too
        batches = self._prepare(plan, instances=self.instancing or box is not None)
        glass = self._one_by_one(plan.transparent)
        singles = [] if self.instancing else self._one_by_one(plan.opaque)
        panel_vertices = self._prepare_panels(overlay, draw_list.eye_height)
        characters = self.skinned.prepare(draw_list.skinned, self.frame_index)
        self._upload_frame_blocks(views, world_views, draw_list, fade, time, box)
        now = gl.clock()
        self._prepare_s = (now - start) - (gl.gl_seconds - in_gl)
        start, in_gl = now, gl.gl_seconds

        gl.glEnable(gl.GL_DEPTH_TEST)
        gl.glDepthFunc(gl.GL_LEQUAL)
        gl.glCullFace(gl.GL_BACK)
        if box is not None:
            before, shadow_start = gl.stats(), clock.perf_counter()

            def casters(light: F32) -> None:
                self.meshes.draw(batches)
                self.skinned.draw(characters, light=light)

            self.shadows.draw(box, casters)
            self.last_shadow_ms = (clock.perf_counter() - shadow_start) * 1000.0
            after = gl.stats()
            self.last_shadow_stats = FrameStats(
                after.draw_calls - before.draw_calls,
                after.gl_calls - before.gl_calls,
                after.triangles - before.triangles,
            )
        if self.encode_srgb:
            gl.glDisable(gl.GL_FRAMEBUFFER_SRGB)
        else:
            gl.glEnable(gl.GL_FRAMEBUFFER_SRGB)
        for i, v in enumerate(views):
            self._target(v)
            gl.glDepthMask(gl.GL_TRUE)
            gl.glClear(gl.GL_COLOR_BUFFER_BIT | gl.GL_DEPTH_BUFFER_BIT)
            if self.cull_back_faces:
                # World meshes are wound counter-clockwise seen from outside; culling
                # inside faces also keeps an eye that ends up inside a thin box seeing out.
                gl.glEnable(gl.GL_CULL_FACE)
            gl.glBindBufferRange(
                gl.GL_UNIFORM_BUFFER,
                FRAME_BINDING,
                self._ubo,
                i * self._block_stride,
                FRAME_BLOCK_SIZE,
            )
            if self.instancing:
                gl.glUseProgram(self._instanced)
                self.meshes.draw(batches)
            else:
                self._draw_one_by_one(singles, rows)
            self.skinned.draw(characters)
            gl.glDepthMask(gl.GL_FALSE)
            gl.glUseProgram(self._sky)
            gl.glBindVertexArray(self._empty_vao)
            gl.glDrawArrays(gl.GL_TRIANGLES, 0, 3)
            if glass or panel_vertices:
                gl.glEnable(gl.GL_BLEND)
                gl.glBlendFunc(gl.GL_SRC_ALPHA, gl.GL_ONE_MINUS_SRC_ALPHA)
                if glass:
                    self._draw_one_by_one(glass, rows)
                if panel_vertices:
                    gl.glDisable(gl.GL_DEPTH_TEST)
                    gl.glDisable(gl.GL_CULL_FACE)
                    gl.glUseProgram(self._panel)
                    gl.glUniformMatrix4fv(self._u_panel_model, 1, gl.GL_TRUE, floor)
                    gl.glActiveTexture(gl.GL_TEXTURE0)
                    gl.glBindTexture(gl.GL_TEXTURE_2D, self._atlas_texture)
                    gl.glBindVertexArray(self._panel_vao)
                    gl.glDrawArrays(gl.GL_TRIANGLES, 0, panel_vertices)
                    gl.glEnable(gl.GL_DEPTH_TEST)
                gl.glDisable(gl.GL_BLEND)
        gl.glDisable(gl.GL_CULL_FACE)
        gl.glDepthMask(gl.GL_TRUE)  # leave GL as other code expects it
        gl.glBindVertexArray(0)
        gl.glUseProgram(0)
        self._submit_s = (gl.clock() - start) - (gl.gl_seconds - in_gl)

    def _prepare(self, plan: FramePlan, instances: bool) -> Batches:
        """Upload new meshes and, with ``instances``, this frame's instance rows (one
        upload); the opaque runs as draw commands."""
        table = plan.table
        if instances:
            self.meshes.upload_instances(table.rows)
        return self.meshes.batches(table.meshes, table.starts, table.opaque, self.frame_index)

    def _one_by_one(self, runs: Sequence[Run]) -> list[tuple[GpuMesh, int]]:
        """(mesh on the GPU, row) of every item of ``runs``, for drawing one at a time."""
        out: list[tuple[GpuMesh, int]] = []
        for run in runs:
            gpu = self.meshes.get(run.mesh, self.frame_index)
            out.extend((gpu, r) for r in range(run.first, run.first + run.count))
        return out

    def _draw_one_by_one(self, items: list[tuple[GpuMesh, int]], rows: F32) -> None:
        """One draw call per item (a row of the frame's instance data), its transform and
        material as uniforms."""
        gl = self.gl
        gl.glUseProgram(self._single)
        gl.glBindVertexArray(self.meshes.vao)
        for gpu, r in items:
            row = rows[r]
            gl.glUniformMatrix4fv(self._u_model, 1, gl.GL_FALSE, row[0:16])  # column-major
            gl.glUniform4fv(self._u_tint, 1, row[16:20])
            gl.glUniform2fv(self._u_material, 1, row[20:22])
            self.meshes.draw_one(gpu)

    def _upload_frame_blocks(
        self,
        views: Sequence[View],
        world_views: list[np.ndarray],
        draw_list: DrawList,
        fade: float,
        time: float,
        box: LightBox | None,
    ) -> None:
        stride = self._block_stride // 4
        shadow = shadow_params(box, self.shadows.quality)
        data = np.zeros(stride * len(views), dtype=np.float32)
        for i, (v, w) in enumerate(zip(views, world_views, strict=True)):
            data[i * stride : i * stride + FRAME_BLOCK_SIZE // 4] = pack_frame_block(
                w,
                v.projection,
                draw_list.environment,
                fade=fade,
                encode_srgb=self.encode_srgb,
                time=time,
                shadow_matrix=None if box is None else box.matrix,
                shadow=shadow,
                interior=draw_list.interior,
            )
        gl = self.gl
        gl.glBindBuffer(gl.GL_UNIFORM_BUFFER, self._ubo)
        gl.glBufferData(gl.GL_UNIFORM_BUFFER, data.nbytes, data, gl.GL_STREAM_DRAW)

    def _prepare_panels(self, overlay: Overlay, eye_height: float) -> int:
        """Rebuild the panel triangles when the overlay changed; return the vertex count."""
        if overlay.empty:
            return 0
        key = (overlay, eye_height)
        if key != self._panel_key:
            atlas = self._ensure_atlas()
            vertices = build_panels(overlay, atlas, self.panel_layout, eye_height)
            gl = self.gl
            gl.glBindBuffer(gl.GL_ARRAY_BUFFER, self._panel_vbo)
            gl.glBufferData(gl.GL_ARRAY_BUFFER, vertices.nbytes, vertices, gl.GL_DYNAMIC_DRAW)
            self._panel_vertices = len(vertices)
            self._panel_key = key
        return self._panel_vertices

    def _ensure_atlas(self) -> GlyphAtlas:
        if self._atlas is None:
            atlas = default_atlas()
            gl = self.gl
            tex = int(gl.glGenTextures(1))
            gl.glBindTexture(gl.GL_TEXTURE_2D, tex)
            gl.glPixelStorei(gl.GL_UNPACK_ALIGNMENT, 1)
            h, w = atlas.pixels.shape
            gl.glTexImage2D(
                gl.GL_TEXTURE_2D,
                0,
                gl.GL_R8,
                w,
                h,
                0,
                gl.GL_RED,
                gl.GL_UNSIGNED_BYTE,
                atlas.pixels,
            )
            gl.glGenerateMipmap(gl.GL_TEXTURE_2D)
            gl.glTexParameteri(
                gl.GL_TEXTURE_2D, gl.GL_TEXTURE_MIN_FILTER, gl.GL_LINEAR_MIPMAP_LINEAR
            )
            gl.glTexParameteri(gl.GL_TEXTURE_2D, gl.GL_TEXTURE_MAG_FILTER, gl.GL_LINEAR)
            gl.glTexParameteri(gl.GL_TEXTURE_2D, gl.GL_TEXTURE_WRAP_S, gl.GL_CLAMP_TO_EDGE)
            gl.glTexParameteri(gl.GL_TEXTURE_2D, gl.GL_TEXTURE_WRAP_T, gl.GL_CLAMP_TO_EDGE)
            gl.glBindTexture(gl.GL_TEXTURE_2D, 0)
            self._atlas = atlas
            self._atlas_texture = tex
        return self._atlas

    def release(self) -> None:
        """Free every GL object the renderer made (the context must still be current)."""
        self.meshes.clear()
        self.skinned.release()
        self.shadows.release()
        GL.glDeleteBuffers(2, [self._ubo, self._panel_vbo])
        GL.glDeleteVertexArrays(2, [self._empty_vao, self._panel_vao])
        for program in (self._instanced, self._single, self._sky, self._panel):
            GL.glDeleteProgram(program)
        if self._atlas_texture:
            GL.glDeleteTextures(1, [self._atlas_texture])
            self._atlas_texture = 0
