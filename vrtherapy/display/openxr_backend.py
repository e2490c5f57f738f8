"""OpenXR display backend: the headset, through any OpenXR runtime with OpenGL.

Written to the OpenXR 1.0 specification (chapters 3 "Fundamentals", 9 "Session",
10 "Rendering", 11 "Input and haptics") through pyopenxr, which maps each
``xrFunctionName`` to ``xr.function_name`` and raises an exception for every
result other than ``XR_SUCCESS`` (also for qualified successes such as
``XR_SESSION_LOSS_PENDING`` or ``XR_FRAME_DISCARDED``, handled below).

Life cycle (spec 9.3): the session starts IDLE; the runtime moves it to READY
(we call ``xrBeginSession``), SYNCHRONIZED, VISIBLE, FOCUSED (input flows),
back down to STOPPING (we call ``xrEndSession``), then IDLE and EXITING (we
stop) or LOSS_PENDING (we tear everything down and report). ``xrWaitFrame``
paces the frame loop, so nothing else here waits on a clock.

The ``xr`` module is passed in (defaulting to pyopenxr) so that tests can run
the whole life cycle against a recording double of the same functions.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from vrtherapy.display.base import (
    DisplayUnavailable,
    EyeView,
    FrameResult,
    InputEvent,
    QuitRequest,
    RenderViews,
)
from vrtherapy.display.openxr_actions import ControllerActions
from vrtherapy.display.openxr_graphics import (
    SRGB_FORMATS,
    GlfwXrGraphics,
    SwapchainTargets,
    XrGraphics,
    select_color_format,
)
from vrtherapy.display.viewmath import projection_from_fov, view_from_pose

log = logging.getLogger(__name__)

OPENGL_EXTENSION = "XR_KHR_opengl_enable"

NO_RUNTIME_MESSAGE = (
    "no OpenXR runtime is installed or active: install and start SteamVR, Meta Quest Link "
    "or Monado (and make it the active OpenXR runtime), or use --display desktop"
)
NO_HEADSET_MESSAGE = (
    "the OpenXR runtime found no headset: connect and switch on the headset "
    "(and start its link software), or use --display desktop"
)
NO_OPENGL_MESSAGE = (
    "the OpenXR runtime does not offer OpenGL (XR_KHR_opengl_enable), which vrtherapy "
    "renders with: use SteamVR, Meta Quest Link or Monado, or use --display desktop"
)
NO_PYOPENXR_MESSAGE = "pyopenxr is not installed (pip install pyopenxr), or use --display desktop"

DEFAULT_EYE_HEIGHT = 1.6  # metres; used to put the floor at y = 0 in a LOCAL space


@dataclass
class ViewSwapchain:
    handle: Any
    width: int
    height: int
    images: list[int]
    targets: SwapchainTargets | None = None


@dataclass
class _FrameRecord:
    """What one frame acquired and what it will submit."""

    state: Any = None
    acquired: list[ViewSwapchain] = field(default_factory=list)
    layers: list[Any] = field(default_factory=list)


class XrFrame:
    """One OpenXR frame: ``xrWaitFrame`` + ``xrBeginFrame`` on entry, ``xrEndFrame`` on exit.

    The exit always ends the frame, also when the body raised: images still held
    are released and the frame is submitted with no layers, so the compositor
    shows nothing rather than a half-drawn or frozen picture.
    """

    def __init__(self, backend: OpenXRBackend) -> None:
        self._b = backend
        self.record = _FrameRecord()

    def __enter__(self) -> _FrameRecord:
        b = self._b
        xr = b.xr
        self.record.state = xr.wait_frame(session=b.session, frame_wait_info=xr.FrameWaitInfo())
        # FRAME_DISCARDED and SESSION_LOSS_PENDING are successes: the frame has begun.
        with contextlib.suppress(xr.FrameDiscarded, xr.SessionLossPending):
            xr.begin_frame(session=b.session, frame_begin_info=xr.FrameBeginInfo())
        return self.record

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        b = self._b
        xr = b.xr
        failed = exc_type is not None
        for swapchain in self.record.acquired:
            try:
                b.xr.release_swapchain_image(
                    swapchain=swapchain.handle, release_info=xr.SwapchainImageReleaseInfo()
                )
            except xr.XrException:
                if not failed:
                    raise
                log.warning("could not release a swapchain image", exc_info=True)
        self.record.acquired.clear()
        layers = [] if failed else self.record.layers
        try:
            xr.end_frame(
                session=b.session,
                frame_end_info=xr.FrameEndInfo(
                    display_time=self.record.state.predicted_display_time,
                    environment_blend_mode=b.blend_mode,
                    layer_count=len(layers),
                    layers=[ctypes.pointer(layer) for layer in layers] or None,
                ),
            )
        except xr.SessionLossPending:
            pass  # a success; the LOSS_PENDING event follows
        except xr.XrException:
            if not failed:
                raise
            log.warning("could not end the frame after an error", exc_info=True)


class OpenXRBackend:
    """A DisplayBackend for a headset through an OpenXR runtime (OpenGL)."""

    name = "openxr"

    def __init__(
        self,
        *,
        xr_module: Any = None,
        graphics: XrGraphics | None = None,
        near: float = 0.05,
        far: float = 500.0,
        default_eye_height: float = DEFAULT_EYE_HEIGHT,
        application_name: str = "vrtherapy",
        idle_sleep: float = 0.05,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._xr_module = xr_module
        self.graphics: XrGraphics = graphics if graphics is not None else GlfwXrGraphics()
        self.near = near
        self.far = far
        self.default_eye_height = default_eye_height
        self.application_name = application_name
        self.idle_sleep = idle_sleep
        self._sleep = sleep

        self.xr: Any = None
        self.instance: Any = None
        self.system_id: Any = None
        self.runtime_name = ""
        self.session: Any = None
        self.space: Any = None
        self.reference_space_type: Any = None
        self.floor_offset = 0.0  # how far the space was moved down to put the floor at y=0
        self.view_configuration_type: Any = None
        self.blend_mode: Any = None
        self.color_format = 0
        self.swapchains: list[ViewSwapchain] = []
        self.controls: ControllerActions | None = None
        self.session_state: Any = None
        self.session_running = False
        self.stopped = False
        self.stop_reason = ""
        self.reference_space_changes = 0
        self._binding: Any = None
        self._cleanup: list[tuple[str, Callable[[], None]]] = []
        self._events: list[InputEvent] = []
        self._last_display_time: int | None = None

    # -- open ------------------------------------------------------------------------

    def open(self) -> None:
        xr = self._load_xr()
        self.xr = xr
        try:
            self._open()
        except DisplayUnavailable:
            self.close()
            raise
        except xr.RuntimeUnavailableError as exc:
            self.close()
            raise DisplayUnavailable(NO_RUNTIME_MESSAGE) from exc
        except (xr.FormFactorUnavailableError, xr.FormFactorUnsupportedError) as exc:
            self.close()
            raise DisplayUnavailable(NO_HEADSET_MESSAGE) from exc
        except xr.XrException as exc:
            self.close()
            log.debug("OpenXR start-up failed", exc_info=True)
            where = f" ({self.runtime_name})" if self.runtime_name else ""
            raise DisplayUnavailable(
                f"the OpenXR runtime{where} failed to start a session: "
                f"{type(exc).__name__}: {exc}; restart the runtime or use --display desktop"
            ) from exc
        except BaseException:
            self.close()
            raise

    def _load_xr(self) -> Any:
        if self._xr_module is not None:
            return self._xr_module
        os.environ.setdefault("XR_LOADER_DEBUG", "none")
        try:
            import xr
        except ImportError as exc:
            raise DisplayUnavailable(NO_PYOPENXR_MESSAGE) from exc
        return xr

    def _push(self, what: str, undo: Callable[[], None]) -> None:
        self._cleanup.append((what, undo))

    def _open(self) -> None:
        xr = self.xr
        self.stopped = False
        self.stop_reason = ""
        available = {_extension_name(p) for p in xr.enumerate_instance_extension_properties()}
        if OPENGL_EXTENSION not in available:
            raise DisplayUnavailable(NO_OPENGL_MESSAGE)

        self.instance = xr.create_instance(
            create_info=xr.InstanceCreateInfo(
                application_info=xr.ApplicationInfo(
                    application_name=self.application_name,
                    application_version=1,
                    engine_name="vrtherapy",
                    engine_version=1,
                    api_version=xr.Version(1, 0, 0),
                ),
                enabled_extension_names=[OPENGL_EXTENSION],
            )
        )
        self._push("instance", self._destroy_instance)
        properties = xr.get_instance_properties(instance=self.instance)
        self.runtime_name = _text(properties.runtime_name)
        log.info("OpenXR runtime: %s", self.runtime_name)

        self.system_id = xr.get_system(
            instance=self.instance,
            get_info=xr.SystemGetInfo(form_factor=xr.FormFactor.HEAD_MOUNTED_DISPLAY),
        )
        self._choose_view_configuration()

        requirements = self._graphics_requirements()
        min_version = requirements.min_api_version_supported
        wanted = (int(min_version.major), int(min_version.minor))
        self.graphics.create_context(wanted)
        self._push("graphics context", self.graphics.destroy)
        have = self.graphics.gl_version()
        if have < wanted:
            raise DisplayUnavailable(
                f"the OpenXR runtime needs OpenGL {wanted[0]}.{wanted[1]} or newer, this "
                f"computer's driver gives {have[0]}.{have[1]}: update the graphics driver"
            )
        max_version = requirements.max_api_version_supported
        if have[0] > int(max_version.major):
            log.info("OpenGL %d.%d is newer than the runtime has tested (%s)", *have, max_version)

        self.controls = ControllerActions(xr)
        self._push("actions", self._destroy_controls)
        self.controls.create(self.instance)

        self._binding = self.graphics.graphics_binding(xr)
        self.session = xr.create_session(
            instance=self.instance,
            create_info=xr.SessionCreateInfo(
                next=ctypes.cast(ctypes.pointer(self._binding), ctypes.c_void_p),
                system_id=self.system_id,
            ),
        )
        self.session_state = xr.SessionState.IDLE
        self._push("session", self._destroy_session)

        self._create_reference_space()
        self._create_swapchains()
        self._push("hand spaces", self.controls.destroy_spaces)
        self.controls.attach(self.session)

    def _choose_view_configuration(self) -> None:
        xr = self.xr
        offered = list(
            xr.enumerate_view_configurations(instance=self.instance, system_id=self.system_id)
        )
        preferred = [
            xr.ViewConfigurationType.PRIMARY_STEREO,
            xr.ViewConfigurationType.PRIMARY_MONO,
        ]
        chosen = next((v for v in preferred if v in offered), offered[0] if offered else None)
        if chosen is None:
            raise DisplayUnavailable("the OpenXR runtime offers no view configuration")
        self.view_configuration_type = xr.ViewConfigurationType(chosen)
        modes = list(
            xr.enumerate_environment_blend_modes(
                instance=self.instance,
                system_id=self.system_id,
                view_configuration_type=self.view_configuration_type,
            )
        )
        opaque = xr.EnvironmentBlendMode.OPAQUE
        self.blend_mode = opaque if opaque in modes or not modes else modes[0]

    def _graphics_requirements(self) -> Any:
        """``xrGetOpenGLGraphicsRequirementsKHR``; the spec requires this call before the
        session is created. Extension functions come through ``xrGetInstanceProcAddr``."""
        xr = self.xr
        pfn = ctypes.cast(
            xr.get_instance_proc_addr(
                instance=self.instance, name="xrGetOpenGLGraphicsRequirementsKHR"
            ),
            xr.PFN_xrGetOpenGLGraphicsRequirementsKHR,
        )
        requirements = xr.GraphicsRequirementsOpenGLKHR()
        result = xr.check_result(
            xr.Result(pfn(self.instance, self.system_id, ctypes.byref(requirements)))
        )
        if result.is_exception():
            raise result
        return requirements

    def _create_reference_space(self) -> None:
        xr = self.xr
        offered = list(xr.enumerate_reference_spaces(session=self.session))
        pose = xr.Posef()
        if xr.ReferenceSpaceType.STAGE in offered:
            kind = xr.ReferenceSpaceType.STAGE
            self.floor_offset = 0.0
        else:
            # LOCAL starts at the head: move the origin down by an eye height so the
            # floor of the scene (y = 0) is roughly where the client's floor is.
            kind = xr.ReferenceSpaceType.LOCAL
            self.floor_offset = self.default_eye_height
            pose.position = xr.Vector3f(0.0, -self.default_eye_height, 0.0)
            log.info("no STAGE space: using LOCAL with the floor %.2f m down", self.floor_offset)
        self.reference_space_type = kind
        self.space = xr.create_reference_space(
            session=self.session,
            create_info=xr.ReferenceSpaceCreateInfo(
                reference_space_type=kind, pose_in_reference_space=pose
            ),
        )
        self._push("reference space", self._destroy_space)

    def _create_swapchains(self) -> None:
        xr = self.xr
        views = xr.enumerate_view_configuration_views(
            instance=self.instance,
            system_id=self.system_id,
            view_configuration_type=self.view_configuration_type,
        )
        if len(views) == 0:
            raise DisplayUnavailable("the OpenXR runtime reports no views for the headset")
        self.color_format = select_color_format(
            xr.enumerate_swapchain_formats(session=self.session)
        )
        self._push("swapchains", self._destroy_swapchains)
        for config in views:
            width = int(config.recommended_image_rect_width)
            height = int(config.recommended_image_rect_height)
            handle = xr.create_swapchain(
                session=self.session,
                create_info=xr.SwapchainCreateInfo(
                    usage_flags=xr.SwapchainUsageFlags.SAMPLED_BIT
                    | xr.SwapchainUsageFlags.COLOR_ATTACHMENT_BIT,
                    format=self.color_format,
                    sample_count=1,
                    width=width,
                    height=height,
                    face_count=1,
                    array_size=1,
                    mip_count=1,
                ),
            )
            swapchain = ViewSwapchain(handle, width, height, [])
            self.swapchains.append(swapchain)
            images = xr.enumerate_swapchain_images(
                swapchain=handle, element_type=xr.SwapchainImageOpenGLKHR
            )
            swapchain.images = [int(image.image) for image in images]
            swapchain.targets = self.graphics.create_targets(
                swapchain.images, width, height, self.color_format
            )

    # -- events ----------------------------------------------------------------------

    def _poll_events(self) -> None:
        xr = self.xr
        while not self.stopped:
            try:
                buffer = xr.poll_event(instance=self.instance)
            except xr.EventUnavailable:
                return
            kind = xr.StructureType(buffer.type)
            if kind == xr.StructureType.EVENT_DATA_SESSION_STATE_CHANGED:
                event = ctypes.cast(
                    ctypes.byref(buffer), ctypes.POINTER(xr.EventDataSessionStateChanged)
                ).contents
                self._on_state(xr.SessionState(event.state))
            elif kind == xr.StructureType.EVENT_DATA_INSTANCE_LOSS_PENDING:
                self._lost("the OpenXR runtime is shutting down (instance loss pending)")
            elif kind == xr.StructureType.EVENT_DATA_REFERENCE_SPACE_CHANGE_PENDING:
                event = ctypes.cast(
                    ctypes.byref(buffer),
                    ctypes.POINTER(xr.EventDataReferenceSpaceChangePending),
                ).contents
                self.reference_space_changes += 1
                # Poses are reported in the changed space from change_time on; the
                # scene stays put relative to the floor, so nothing to rebuild here.
                log.info(
                    "the headset's %s space was recentred or resized",
                    xr.ReferenceSpaceType(event.reference_space_type).name,
                )
            elif kind == xr.StructureType.EVENT_DATA_EVENTS_LOST:
                log.warning("the OpenXR runtime dropped events")

    def _on_state(self, state: Any) -> None:
        xr = self.xr
        log.info("OpenXR session state: %s", state.name)
        self.session_state = state
        if state == xr.SessionState.READY:
            xr.begin_session(
                session=self.session,
                begin_info=xr.SessionBeginInfo(
                    primary_view_configuration_type=self.view_configuration_type
                ),
            )
            self.session_running = True
        elif state == xr.SessionState.STOPPING:
            self.session_running = False
            xr.end_session(session=self.session)
        elif state == xr.SessionState.EXITING:
            self._stop("the OpenXR runtime ended the session")
        elif state == xr.SessionState.LOSS_PENDING:
            self._lost("the headset was disconnected or the OpenXR runtime lost the session")

    def _stop(self, reason: str) -> None:
        if not self.stopped:
            self.stopped = True
            self.stop_reason = reason
            self._events.append(QuitRequest())

    def _lost(self, reason: str) -> None:
        log.warning("%s; closing the OpenXR display", reason)
        self.session_running = False  # a lost session cannot be ended, only destroyed
        self._stop(reason)

    # -- frames ----------------------------------------------------------------------

    def frame(self, render: RenderViews) -> FrameResult:
        if self.session is None or self.stopped:
            self.close()
            return "stopped"
        xr = self.xr
        try:
            self._poll_events()
            if self.stopped:
                self.close()
                return "stopped"
            if not self.session_running:
                # xrWaitFrame is not called until the session runs: throttle here instead.
                self._sleep(self.idle_sleep)
                return "skipped"
            return self._run_frame(render)
        except (xr.SessionLostError, xr.InstanceLostError, xr.SessionLossPending) as exc:
            self._lost(f"the OpenXR session was lost ({type(exc).__name__})")
            self.close()
            return "stopped"

    def frame_context(self) -> XrFrame:
        """The frame as a context manager (wait + begin on entry, end on exit)."""
        return XrFrame(self)

    def _run_frame(self, render: RenderViews) -> FrameResult:
        xr = self.xr
        with self.frame_context() as frame:
            state = frame.state
            display_time = int(state.predicted_display_time)
            self._read_input(display_time, int(state.predicted_display_period))
            if not state.should_render:
                return "skipped"
            view_state, views = xr.locate_views(
                session=self.session,
                view_locate_info=xr.ViewLocateInfo(
                    view_configuration_type=self.view_configuration_type,
                    display_time=display_time,
                    space=self.space,
                ),
            )
            flags = int(view_state.view_state_flags)
            need = xr.VIEW_STATE_ORIENTATION_VALID_BIT | xr.VIEW_STATE_POSITION_VALID_BIT
            if flags & need != need:
                return "skipped"  # no tracking: submit nothing rather than a wrong view
            if len(views) != len(self.swapchains):
                raise RuntimeError(
                    f"the runtime located {len(views)} views but reported "
                    f"{len(self.swapchains)} when the session started"
                )
            eye_views: list[EyeView] = []
            for index, (view, swapchain) in enumerate(zip(views, self.swapchains, strict=True)):
                image_index = xr.acquire_swapchain_image(
                    swapchain=swapchain.handle, acquire_info=xr.SwapchainImageAcquireInfo()
                )
                frame.acquired.append(swapchain)
                xr.wait_swapchain_image(
                    swapchain=swapchain.handle,
                    wait_info=xr.SwapchainImageWaitInfo(timeout=xr.INFINITE_DURATION),
                )
                eye_views.append(self._eye_view(index, view, swapchain, int(image_index)))
            self.graphics.begin_views(self.color_format in SRGB_FORMATS)
            try:
                render(eye_views, display_time * 1e-9)
            finally:
                self.graphics.end_views()
            for swapchain in list(frame.acquired):
                xr.release_swapchain_image(
                    swapchain=swapchain.handle, release_info=xr.SwapchainImageReleaseInfo()
                )
                frame.acquired.remove(swapchain)
            frame.layers.append(self._projection_layer(views))
        return "rendered"

    def _eye_view(self, index: int, view: Any, swapchain: ViewSwapchain, image: int) -> EyeView:
        p, q, fov = view.pose.position, view.pose.orientation, view.fov
        assert swapchain.targets is not None
        return EyeView(
            eye=index,
            view=view_from_pose((p.x, p.y, p.z), (q.x, q.y, q.z, q.w)),
            projection=projection_from_fov(
                fov.angle_left, fov.angle_right, fov.angle_up, fov.angle_down, self.near, self.far
            ),
            framebuffer=swapchain.targets.framebuffers[image],
            viewport=(0, 0, swapchain.width, swapchain.height),
        )

    def _projection_layer(self, views: Sequence[Any]) -> Any:
        xr = self.xr
        projection_views = [
            xr.CompositionLayerProjectionView(
                pose=view.pose,
                fov=view.fov,
                sub_image=xr.SwapchainSubImage(
                    swapchain=swapchain.handle,
                    image_rect=xr.Rect2Di(
                        offset=xr.Offset2Di(0, 0),
                        extent=xr.Extent2Di(swapchain.width, swapchain.height),
                    ),
                    image_array_index=0,
                ),
            )
            for view, swapchain in zip(views, self.swapchains, strict=True)
        ]
        return xr.CompositionLayerProjection(
            space=self.space, view_count=len(projection_views), views=projection_views
        )

    def _read_input(self, display_time: int, period: int) -> None:
        if self.controls is None or self.session_state != self.xr.SessionState.FOCUSED:
            self._last_display_time = display_time
            return
        previous = self._last_display_time
        self._last_display_time = display_time
        dt = (display_time - previous) * 1e-9 if previous is not None else period * 1e-9
        self._events.extend(self.controls.update(self.session, self.space, display_time, dt))

    @property
    def controller_pose(self) -> Any:
        """The right controller's aim pose (4x4, reference space) or None when untracked."""
        return self.controls.controller_pose if self.controls is not None else None

    def poll_input(self) -> list[InputEvent]:
        events, self._events = self._events, []
        return events

    # -- shutdown --------------------------------------------------------------------

    def request_exit(self) -> None:
        """Ask the runtime to stop the session (it answers with STOPPING, then EXITING)."""
        if self.session is not None and self.session_running:
            self.xr.request_exit_session(session=self.session)

    def close(self) -> None:
        """End the session if it runs, then destroy everything in reverse order."""
        if self.xr is None:
            return
        if self.session is not None and self.session_running:
            self._end_running_session()
        while self._cleanup:
            what, undo = self._cleanup.pop()
            try:
                undo()
            except Exception:
                log.warning("could not destroy the OpenXR %s", what, exc_info=True)

    def _end_running_session(self, max_polls: int = 200) -> None:
        """Spec 9.3: a running session may only be ended in STOPPING; ask the runtime to
        get there (``xrRequestExitSession``) and follow its events, then end it."""
        xr = self.xr
        try:
            xr.request_exit_session(session=self.session)
        except xr.XrException:
            log.debug("xrRequestExitSession failed", exc_info=True)
        for _ in range(max_polls):
            if not self.session_running:
                return
            try:
                self._poll_events()
            except xr.XrException:
                break
            if self.session_running and self.session_state != xr.SessionState.STOPPING:
                self._sleep(0.01)
        if self.session_running:
            self.session_running = False
            try:
                xr.end_session(session=self.session)
            except xr.XrException:
                log.warning("the OpenXR session could not be ended cleanly", exc_info=True)

    def _destroy_controls(self) -> None:
        if self.controls is not None:
            self.controls.destroy()
            self.controls = None

    def _destroy_swapchains(self) -> None:
        while self.swapchains:
            swapchain = self.swapchains.pop()
            if swapchain.targets is not None:
                self.graphics.destroy_targets(swapchain.targets)
                swapchain.targets = None
            self.xr.destroy_swapchain(swapchain=swapchain.handle)

    def _destroy_space(self) -> None:
        if self.space is not None:
            space, self.space = self.space, None
            self.xr.destroy_space(space=space)

    def _destroy_session(self) -> None:
        if self.session is not None:
            session, self.session = self.session, None
            self.session_running = False
            self.xr.destroy_session(session=session)

    def _destroy_instance(self) -> None:
        if self.instance is not None:
            instance, self.instance = self.instance, None
            self.xr.destroy_instance(instance=instance)


def _text(value: Any) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _extension_name(properties: Any) -> str:
    return _text(properties.extension_name)
