"""A recording test double of the pyopenxr functions the OpenXR backend calls.

Faithful where it matters for the backend:
- every function has pyopenxr's name and parameter names (``test_fake_matches_pyopenxr``
  checks this against the installed package), so a renamed call or keyword fails;
- structures, enums, constants and exception types are pyopenxr's own (the fake
  hands out real ctypes structures and arrays, and raises real ``xr`` exceptions,
  including the qualified successes pyopenxr raises: EventUnavailable,
  SessionNotFocused, ...);
- it keeps the runtime's rules the backend must follow: the session state
  machine (begin only in READY, end only in STOPPING), the frame order
  (wait -> begin -> end, display time from wait), swapchain acquire/wait/release,
  handle lifetimes (a handle is dead after its own or its parent's destroy), and
  the projection layer's shape (one view per runtime view).
Any function the backend calls that the fake does not define fails loudly.
"""

from __future__ import annotations

import ctypes
import itertools
import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from tests.display.xr_import import import_real_xr

real_xr = import_real_xr()

GL_RGBA8 = 0x8058
GL_SRGB8_ALPHA8 = 0x8C43


@dataclass
class Call:
    name: str
    args: dict[str, Any]


@dataclass
class Handle:
    kind: str
    parent: int | None
    alive: bool = True
    info: dict[str, Any] = field(default_factory=dict)


class FakeXr:
    """Stands in for the ``xr`` module (pass as ``OpenXRBackend(xr_module=...)``)."""

    def __init__(
        self,
        *,
        extensions: tuple[str, ...] = ("XR_KHR_opengl_enable", "XR_EXT_debug_utils"),
        runtime_available: bool = True,
        hmd_present: bool = True,
        view_configurations: tuple[int, ...] = (
            real_xr.ViewConfigurationType.PRIMARY_MONO,
            real_xr.ViewConfigurationType.PRIMARY_STEREO,
        ),
        view_count: int = 2,
        reference_spaces: tuple[int, ...] = (
            real_xr.ReferenceSpaceType.VIEW,
            real_xr.ReferenceSpaceType.LOCAL,
            real_xr.ReferenceSpaceType.STAGE,
        ),
        swapchain_formats: tuple[int, ...] = (GL_RGBA8, GL_SRGB8_ALPHA8),
        images_per_swapchain: int = 3,
        image_size: tuple[int, int] = (1440, 1600),
        gl_min_version: tuple[int, int] = (4, 0),
        should_render: bool = True,
        head_height_stage: float = 1.7,
        auto_focus: bool = True,
        log: list[Call] | None = None,
    ) -> None:
        self.extensions = extensions
        self.runtime_available = runtime_available
        self.hmd_present = hmd_present
        self.view_configurations = view_configurations
        self.view_count = view_count
        self.reference_spaces = reference_spaces
        self.swapchain_formats = swapchain_formats
        self.images_per_swapchain = images_per_swapchain
        self.image_size = image_size
        self.gl_min_version = gl_min_version
        self.should_render = should_render
        self.head_height_stage = head_height_stage
        self.auto_focus = auto_focus
        self.calls: list[Call] = log if log is not None else []
        self.handles: dict[int, Handle] = {}
        self._addresses = itertools.count(0x1000, 0x10)
        self._paths: dict[str, int] = {}
        self._path_ids = itertools.count(1)
        self._events: deque[ctypes.Structure] = deque()
        self.state = real_xr.SessionState.UNKNOWN
        self.session_running = False
        self.exit_requested = False
        self.frame_phase = "idle"  # idle -> waited -> begun -> idle
        self.time = 1_000_000_000
        self.period = 11_111_111
        self.predicted_time: int | None = None
        self.frames_ended: list[dict[str, Any]] = []
        self.suggested: dict[str, list[tuple[str, str]]] = {}
        self.attached = False
        self.action_values: dict[str, Any] = {}
        self._images: dict[int, list[int]] = {}
        self._acquired: dict[int, str] = {}  # swapchain address -> "acquired" | "waited"
        self._texture_ids = itertools.count(10)
        self._callbacks: list[Any] = []  # keep ctypes callbacks alive

    # -- plumbing ----------------------------------------------------------------------

    def __getattr__(self, name: str) -> Any:
        value = getattr(real_xr, name)
        if callable(value) and not isinstance(value, type) and name != "check_result":
            raise AttributeError(f"the fake xr does not implement xr.{name}")
        return value

    def _record(self, call: str, /, **args: Any) -> None:
        self.calls.append(Call(call, args))

    def _new(self, cls: Any, kind: str, parent: Any = None, /, **info: Any) -> Any:
        address = next(self._addresses)
        parent_address = self._address(parent) if parent is not None else None
        self.handles[address] = Handle(kind, parent_address, info=dict(info))
        handle = ctypes.cast(ctypes.c_void_p(address), cls)
        return handle

    @staticmethod
    def _address(handle: Any) -> int:
        value = ctypes.cast(handle, ctypes.c_void_p).value
        assert value is not None, "null handle"
        return value

    def _live(self, handle: Any, kind: str) -> Handle:
        if handle is None:
            raise real_xr.HandleInvalidError()
        record = self.handles.get(self._address(handle))
        if record is None or not record.alive or record.kind != kind:
            raise real_xr.HandleInvalidError()
        return record

    def _kill(self, address: int) -> None:
        self.handles[address].alive = False
        for child_address, child in self.handles.items():
            if child.parent == address and child.alive:
                self._kill(child_address)

    def live_handles(self) -> list[str]:
        return [h.kind for h in self.handles.values() if h.alive]

    def names(self) -> list[str]:
        return [c.name for c in self.calls]

    def queue_state(self, state: int) -> None:
        session = next(
            (a for a, h in self.handles.items() if h.kind == "session" and h.alive), None
        )
        event = real_xr.EventDataSessionStateChanged(
            session=ctypes.cast(ctypes.c_void_p(session), real_xr.Session),
            state=real_xr.SessionState(state),
            time=self.time,
        )
        self._events.append(event)

    def queue_instance_loss(self) -> None:
        self._events.append(real_xr.EventDataInstanceLossPending(loss_time=self.time + 10**9))

    def queue_reference_space_change(self, kind: int) -> None:
        session = next(a for a, h in self.handles.items() if h.kind == "session" and h.alive)
        self._events.append(
            real_xr.EventDataReferenceSpaceChangePending(
                session=ctypes.cast(ctypes.c_void_p(session), real_xr.Session),
                reference_space_type=real_xr.ReferenceSpaceType(kind),
                change_time=self.time,
            )
        )

    # -- instance and system -----------------------------------------------------------

    def enumerate_instance_extension_properties(self, layer_name: str | None = None) -> Any:
        self._record("enumerate_instance_extension_properties", layer_name=layer_name)
        if not self.runtime_available:
            raise real_xr.RuntimeUnavailableError()
        items = [real_xr.ExtensionProperties(extension_name=e) for e in self.extensions]
        return (real_xr.ExtensionProperties * len(items))(*items)

    def create_instance(self, create_info: Any = None) -> Any:
        assert isinstance(create_info, real_xr.InstanceCreateInfo)
        names = [
            create_info.enabled_extension_names[i].decode()
            for i in range(create_info.enabled_extension_count)
        ]
        self._record("create_instance", extensions=names)
        if not self.runtime_available:
            raise real_xr.RuntimeUnavailableError()
        for name in names:
            if name not in self.extensions:
                raise real_xr.ExtensionNotPresentError()
        return self._new(real_xr.Instance, "instance", extensions=names)

    def get_instance_properties(self, instance: Any) -> Any:
        self._live(instance, "instance")
        self._record("get_instance_properties")
        return real_xr.InstanceProperties(
            runtime_version=real_xr.Version(1, 0, 0), runtime_name="Fake Runtime"
        )

    def get_system(self, instance: Any, get_info: Any = None) -> int:
        self._live(instance, "instance")
        assert isinstance(get_info, real_xr.SystemGetInfo)
        self._record("get_system", form_factor=get_info.form_factor)
        if get_info.form_factor != real_xr.FormFactor.HEAD_MOUNTED_DISPLAY:
            raise real_xr.FormFactorUnsupportedError()
        if not self.hmd_present:
            raise real_xr.FormFactorUnavailableError()
        return 0x5157

    def destroy_instance(self, instance: Any) -> None:
        self._live(instance, "instance")
        self._record("destroy_instance")
        self._kill(self._address(instance))

    def get_instance_proc_addr(self, instance: Any, name: str) -> Any:
        record = self._live(instance, "instance")
        self._record("get_instance_proc_addr", name=name)
        if name != "xrGetOpenGLGraphicsRequirementsKHR":
            raise real_xr.FunctionUnsupportedError()
        if "XR_KHR_opengl_enable" not in record.info["extensions"]:
            raise real_xr.FunctionUnsupportedError()
        fake = self

        def requirements(instance_: Any, system_id: int, out: Any) -> int:
            fake._record("xrGetOpenGLGraphicsRequirementsKHR", system_id=system_id)
            if not fake.requirements_queried_ok(system_id):
                return int(real_xr.Result.ERROR_SYSTEM_INVALID)
            major, minor = fake.gl_min_version
            out.contents.min_api_version_supported = real_xr.Version(major, minor, 0)
            out.contents.max_api_version_supported = real_xr.Version(4, 6, 0)
            return int(real_xr.Result.SUCCESS)

        callback = real_xr.PFN_xrGetOpenGLGraphicsRequirementsKHR(requirements)
        self._callbacks.append(callback)
        return ctypes.cast(callback, real_xr.PFN_xrVoidFunction)

    def requirements_queried_ok(self, system_id: int) -> bool:
        return int(system_id) == 0x5157

    def enumerate_view_configurations(self, instance: Any, system_id: int) -> Any:
        self._live(instance, "instance")
        self._record("enumerate_view_configurations")
        return (ctypes.c_int * len(self.view_configurations))(*self.view_configurations)

    def enumerate_environment_blend_modes(
        self, instance: Any, system_id: int, view_configuration_type: Any
    ) -> Any:
        self._live(instance, "instance")
        self._record("enumerate_environment_blend_modes", type=view_configuration_type.value)
        modes = [real_xr.EnvironmentBlendMode.OPAQUE]
        return (ctypes.c_int * len(modes))(*modes)

    def enumerate_view_configuration_views(
        self, instance: Any, system_id: int, view_configuration_type: Any
    ) -> Any:
        self._live(instance, "instance")
        self._record("enumerate_view_configuration_views", type=view_configuration_type.value)
        if view_configuration_type.value not in self.view_configurations:
            raise real_xr.ViewConfigurationTypeUnsupportedError()
        width, height = self.image_size
        views = [
            real_xr.ViewConfigurationView(
                recommended_image_rect_width=width,
                max_image_rect_width=width * 2,
                recommended_image_rect_height=height,
                max_image_rect_height=height * 2,
                recommended_swapchain_sample_count=1,
                max_swapchain_sample_count=4,
            )
            for _ in range(self.view_count)
        ]
        return (real_xr.ViewConfigurationView * len(views))(*views)

    # -- session -----------------------------------------------------------------------

    def create_session(self, instance: Any, create_info: Any = None) -> Any:
        self._live(instance, "instance")
        assert isinstance(create_info, real_xr.SessionCreateInfo)
        if not create_info.next:
            raise real_xr.GraphicsDeviceInvalidError()
        binding = ctypes.cast(
            create_info.next, ctypes.POINTER(real_xr.GraphicsBindingOpenGLXlibKHR)
        ).contents
        self._record(
            "create_session",
            binding_type=real_xr.StructureType(binding.type),
            system_id=int(create_info.system_id),
        )
        if binding.type != real_xr.StructureType.GRAPHICS_BINDING_OPENGL_XLIB_KHR:
            raise real_xr.GraphicsDeviceInvalidError()
        if not any(c.name == "xrGetOpenGLGraphicsRequirementsKHR" for c in self.calls):
            raise real_xr.GraphicsRequirementsCallMissingError()
        session = self._new(real_xr.Session, "session", instance)
        self.state = real_xr.SessionState.IDLE
        self.queue_state(real_xr.SessionState.IDLE)
        self.queue_state(real_xr.SessionState.READY)
        return session

    def destroy_session(self, session: Any) -> None:
        self._live(session, "session")
        self._record("destroy_session", running=self.session_running)
        self._kill(self._address(session))

    def poll_event(self, instance: Any) -> Any:
        self._live(instance, "instance")
        if not self._events:
            self._record("poll_event", event=None)
            raise real_xr.EventUnavailable()
        event = self._events.popleft()
        buffer = real_xr.EventDataBuffer()
        ctypes.memmove(ctypes.byref(buffer), ctypes.byref(event), ctypes.sizeof(event))
        if isinstance(event, real_xr.EventDataSessionStateChanged):
            self.state = real_xr.SessionState(event.state)
            self._record("poll_event", event=self.state.name)
        else:
            self._record("poll_event", event=type(event).__name__)
        return buffer

    def begin_session(self, session: Any, begin_info: Any) -> None:
        self._live(session, "session")
        assert isinstance(begin_info, real_xr.SessionBeginInfo)
        self._record("begin_session", view_configuration=begin_info.primary_view_configuration_type)
        if self.session_running:
            raise real_xr.SessionRunningError()
        if self.state != real_xr.SessionState.READY:
            raise real_xr.SessionNotReadyError()
        self.session_running = True
        if self.auto_focus:
            for state in ("SYNCHRONIZED", "VISIBLE", "FOCUSED"):
                self.queue_state(real_xr.SessionState[state])

    def request_exit_session(self, session: Any) -> None:
        self._live(session, "session")
        self._record("request_exit_session")
        if not self.session_running:
            raise real_xr.SessionNotRunningError()
        self.exit_requested = True
        self.queue_stopping()

    def queue_stopping(self) -> None:
        for state in ("VISIBLE", "SYNCHRONIZED", "STOPPING"):
            self.queue_state(real_xr.SessionState[state])

    def end_session(self, session: Any) -> None:
        self._live(session, "session")
        self._record("end_session")
        if not self.session_running:
            raise real_xr.SessionNotRunningError()
        if self.state != real_xr.SessionState.STOPPING:
            raise real_xr.SessionNotStoppingError()
        self.session_running = False
        self.queue_state(real_xr.SessionState.IDLE)
        if self.exit_requested:
            self.queue_state(real_xr.SessionState.EXITING)

    # -- spaces ------------------------------------------------------------------------

    def enumerate_reference_spaces(self, session: Any) -> Any:
        self._live(session, "session")
        self._record("enumerate_reference_spaces")
        return (ctypes.c_int * len(self.reference_spaces))(*self.reference_spaces)

    def create_reference_space(self, session: Any, create_info: Any = None) -> Any:
        self._live(session, "session")
        assert isinstance(create_info, real_xr.ReferenceSpaceCreateInfo)
        kind = real_xr.ReferenceSpaceType(create_info.reference_space_type)
        offset = create_info.pose_in_reference_space.position
        self._record("create_reference_space", kind=kind.name, offset_y=offset.y)
        if kind not in self.reference_spaces:
            raise real_xr.ReferenceSpaceUnsupportedError()
        return self._new(real_xr.Space, "space", session, kind=kind, offset_y=offset.y)

    def create_action_space(self, session: Any, create_info: Any = None) -> Any:
        self._live(session, "session")
        assert isinstance(create_info, real_xr.ActionSpaceCreateInfo)
        self._live(create_info.action, "action")
        self._record("create_action_space", subaction_path=int(create_info.subaction_path))
        return self._new(real_xr.Space, "space", session, kind="action")

    def destroy_space(self, space: Any) -> None:
        self._live(space, "space")
        self._record("destroy_space")
        self._kill(self._address(space))

    def locate_space(self, space: Any, base_space: Any, time: int) -> Any:
        self._live(space, "space")
        self._live(base_space, "space")
        self._record("locate_space", time=time)
        pose = real_xr.Posef(position=real_xr.Vector3f(0.2, 1.1, -0.3))
        flags = real_xr.SpaceLocationFlags.ORIENTATION_VALID_BIT | (
            real_xr.SpaceLocationFlags.POSITION_VALID_BIT
        )
        return real_xr.SpaceLocation(location_flags=flags, pose=pose)

    # -- swapchains --------------------------------------------------------------------

    def enumerate_swapchain_formats(self, session: Any) -> Any:
        self._live(session, "session")
        self._record("enumerate_swapchain_formats")
        return (ctypes.c_int64 * len(self.swapchain_formats))(*self.swapchain_formats)

    def create_swapchain(self, session: Any, create_info: Any = None) -> Any:
        self._live(session, "session")
        assert isinstance(create_info, real_xr.SwapchainCreateInfo)
        self._record(
            "create_swapchain",
            format=create_info.format,
            width=create_info.width,
            height=create_info.height,
            sample_count=create_info.sample_count,
            usage=int(create_info.usage_flags),
        )
        if create_info.format not in self.swapchain_formats:
            raise real_xr.SwapchainFormatUnsupportedError()
        swapchain = self._new(
            real_xr.Swapchain,
            "swapchain",
            session,
            width=create_info.width,
            height=create_info.height,
        )
        self._images[self._address(swapchain)] = [
            next(self._texture_ids) for _ in range(self.images_per_swapchain)
        ]
        return swapchain

    def enumerate_swapchain_images(self, swapchain: Any, element_type: Any) -> Any:
        self._live(swapchain, "swapchain")
        self._record("enumerate_swapchain_images", element_type=element_type.__name__)
        if element_type is not real_xr.SwapchainImageOpenGLKHR:
            raise real_xr.ValidationFailureError()
        images = [element_type(image=i) for i in self._images[self._address(swapchain)]]
        return (element_type * len(images))(*images)

    def destroy_swapchain(self, swapchain: Any) -> None:
        self._live(swapchain, "swapchain")
        self._record("destroy_swapchain")
        self._kill(self._address(swapchain))

    def acquire_swapchain_image(self, swapchain: Any, acquire_info: Any = None) -> int:
        self._live(swapchain, "swapchain")
        address = self._address(swapchain)
        self._record("acquire_swapchain_image", swapchain=address)
        if address in self._acquired:
            raise real_xr.CallOrderInvalidError()
        self._acquired[address] = "acquired"
        return len(self.frames_ended) % self.images_per_swapchain

    def wait_swapchain_image(self, swapchain: Any, wait_info: Any) -> None:
        self._live(swapchain, "swapchain")
        address = self._address(swapchain)
        self._record("wait_swapchain_image", swapchain=address, timeout=wait_info.timeout)
        if self._acquired.get(address) != "acquired":
            raise real_xr.CallOrderInvalidError()
        self._acquired[address] = "waited"

    def release_swapchain_image(self, swapchain: Any, release_info: Any = None) -> None:
        self._live(swapchain, "swapchain")
        address = self._address(swapchain)
        self._record("release_swapchain_image", swapchain=address)
        if self._acquired.get(address) != "waited":
            raise real_xr.CallOrderInvalidError()
        del self._acquired[address]

    # -- frames ------------------------------------------------------------------------

    def wait_frame(self, session: Any, frame_wait_info: Any = None) -> Any:
        self._live(session, "session")
        self._record("wait_frame")
        if not self.session_running:
            raise real_xr.SessionNotRunningError()
        self.time += self.period
        self.predicted_time = self.time + 2 * self.period
        self.frame_phase = "waited"
        return real_xr.FrameState(
            predicted_display_time=self.predicted_time,
            predicted_display_period=self.period,
            should_render=self.should_render
            and self.state in (real_xr.SessionState.VISIBLE, real_xr.SessionState.FOCUSED),
        )

    def begin_frame(self, session: Any, frame_begin_info: Any = None) -> None:
        self._live(session, "session")
        self._record("begin_frame")
        if self.frame_phase != "waited":
            raise real_xr.CallOrderInvalidError()
        self.frame_phase = "begun"

    def locate_views(self, session: Any, view_locate_info: Any) -> Any:
        self._live(session, "session")
        space = self._live(view_locate_info.space, "space")
        self._record(
            "locate_views",
            display_time=view_locate_info.display_time,
            view_configuration=view_locate_info.view_configuration_type,
        )
        natural_y = (
            self.head_height_stage
            if space.info["kind"] == real_xr.ReferenceSpaceType.STAGE
            else 0.0
        )
        y = natural_y - space.info["offset_y"]
        views = []
        for i in range(self.view_count):
            x = (i - (self.view_count - 1) / 2.0) * 0.064
            fov = real_xr.Fovf(
                angle_left=-math.radians(50 if i == 0 else 40),
                angle_right=math.radians(40 if i == 0 else 50),
                angle_up=math.radians(45),
                angle_down=-math.radians(50),
            )
            views.append(
                real_xr.View(pose=real_xr.Posef(position=real_xr.Vector3f(x, y, 0)), fov=fov)
            )
        state = real_xr.ViewState(
            view_state_flags=real_xr.ViewStateFlags.ORIENTATION_VALID_BIT
            | real_xr.ViewStateFlags.POSITION_VALID_BIT
        )
        return state, (real_xr.View * len(views))(*views)

    def end_frame(self, session: Any, frame_end_info: Any) -> None:
        self._live(session, "session")
        assert isinstance(frame_end_info, real_xr.FrameEndInfo)
        if self.frame_phase != "begun":
            raise real_xr.CallOrderInvalidError()
        if frame_end_info.display_time != self.predicted_time:
            raise real_xr.TimeInvalidError()
        layers = []
        for i in range(frame_end_info.layer_count):
            header = frame_end_info.layers[i].contents
            if header.type != real_xr.StructureType.COMPOSITION_LAYER_PROJECTION:
                raise real_xr.LayerInvalidError()
            layer = ctypes.cast(
                frame_end_info.layers[i], ctypes.POINTER(real_xr.CompositionLayerProjection)
            ).contents
            self._live(layer.space, "space")
            if layer.view_count != self.view_count:
                raise real_xr.ValidationFailureError()
            views = []
            for v in range(layer.view_count):
                view = layer.views[v]
                swapchain = self._live(view.sub_image.swapchain, "swapchain")
                if self._address(view.sub_image.swapchain) in self._acquired:
                    raise real_xr.LayerInvalidError()  # image not released
                rect = view.sub_image.image_rect
                views.append(
                    {
                        "x": view.pose.position.x,
                        "extent": (rect.extent.width, rect.extent.height),
                        "swapchain_size": (swapchain.info["width"], swapchain.info["height"]),
                        "fov_left": view.fov.angle_left,
                    }
                )
            layers.append(views)
        self._record(
            "end_frame",
            display_time=frame_end_info.display_time,
            layers=layers,
            blend=frame_end_info.environment_blend_mode,
        )
        self.frames_ended.append({"display_time": frame_end_info.display_time, "layers": layers})
        self.frame_phase = "idle"

    # -- actions -----------------------------------------------------------------------

    def string_to_path(self, instance: Any, path_string: str) -> int:
        self._live(instance, "instance")
        if not path_string.startswith("/"):
            raise real_xr.PathFormatInvalidError()
        if path_string not in self._paths:
            self._paths[path_string] = next(self._path_ids)
        return self._paths[path_string]

    def path_name(self, path: int) -> str:
        return next(k for k, v in self._paths.items() if v == path)

    def create_action_set(self, instance: Any, create_info: Any = None) -> Any:
        self._live(instance, "instance")
        assert isinstance(create_info, real_xr.ActionSetCreateInfo)
        self._record("create_action_set", name=create_info.action_set_name.decode())
        return self._new(real_xr.ActionSet, "action_set", instance)

    def create_action(self, action_set: Any, create_info: Any = None) -> Any:
        self._live(action_set, "action_set")
        assert isinstance(create_info, real_xr.ActionCreateInfo)
        name = create_info.action_name.decode()
        subactions = [
            self.path_name(create_info.subaction_paths[i])
            for i in range(create_info.count_subaction_paths)
        ]
        self._record(
            "create_action",
            name=name,
            type=real_xr.ActionType(create_info.action_type).name,
            subactions=subactions,
        )
        return self._new(
            real_xr.Action,
            "action",
            action_set,
            name=name,
            type=real_xr.ActionType(create_info.action_type),
        )

    def _action_name(self, action: Any) -> str:
        return str(self._live(action, "action").info["name"])

    def suggest_interaction_profile_bindings(self, instance: Any, suggested_bindings: Any) -> None:
        self._live(instance, "instance")
        profile = self.path_name(suggested_bindings.interaction_profile)
        pairs = [
            (
                self._action_name(suggested_bindings.suggested_bindings[i].action),
                self.path_name(suggested_bindings.suggested_bindings[i].binding),
            )
            for i in range(suggested_bindings.count_suggested_bindings)
        ]
        self._record("suggest_interaction_profile_bindings", profile=profile)
        if self.attached:
            raise real_xr.ActionsetsAlreadyAttachedError()
        self.suggested[profile] = pairs

    def destroy_action(self, action: Any) -> None:
        self._live(action, "action")
        self._record("destroy_action")
        self._kill(self._address(action))

    def destroy_action_set(self, action_set: Any) -> None:
        self._live(action_set, "action_set")
        self._record("destroy_action_set")
        self._kill(self._address(action_set))

    def attach_session_action_sets(self, session: Any, attach_info: Any) -> None:
        self._live(session, "session")
        for i in range(attach_info.count_action_sets):
            self._live(attach_info.action_sets[i], "action_set")
        self._record("attach_session_action_sets", count=attach_info.count_action_sets)
        if self.attached:
            raise real_xr.ActionsetsAlreadyAttachedError()
        self.attached = True

    def sync_actions(self, session: Any, sync_info: Any) -> None:
        self._live(session, "session")
        self._record("sync_actions")
        if not self.attached:
            raise real_xr.ActionsetNotAttachedError()
        if self.state != real_xr.SessionState.FOCUSED:
            raise real_xr.SessionNotFocused()

    def _state_for(self, get_info: Any, kind: str) -> Any:
        name = self._action_name(get_info.action)
        self._record(f"get_action_state_{kind}", action=name)
        if not self.attached:
            raise real_xr.ActionsetNotAttachedError()
        return self.action_values.get(name)

    def get_action_state_boolean(self, session: Any, get_info: Any) -> Any:
        self._live(session, "session")
        value = self._state_for(get_info, "boolean")
        if value is None:
            return real_xr.ActionStateBoolean()
        return real_xr.ActionStateBoolean(
            current_state=int(value), changed_since_last_sync=1, is_active=1
        )

    def get_action_state_float(self, session: Any, get_info: Any) -> Any:
        self._live(session, "session")
        value = self._state_for(get_info, "float")
        if value is None:
            return real_xr.ActionStateFloat()
        return real_xr.ActionStateFloat(current_state=float(value), is_active=1)

    def get_action_state_vector2f(self, session: Any, get_info: Any) -> Any:
        self._live(session, "session")
        value = self._state_for(get_info, "vector2f")
        if value is None:
            return real_xr.ActionStateVector2f()
        return real_xr.ActionStateVector2f(
            current_state=real_xr.Vector2f(*value), changed_since_last_sync=1, is_active=1
        )


class FakeGraphics:
    """Stands in for the GL side (``XrGraphics``); records into the same call log."""

    def __init__(self, log: list[Call], gl_version: tuple[int, int] = (4, 5)) -> None:
        self.calls = log
        self.version = gl_version
        self._fbos = itertools.count(100)
        self.destroyed = False
        self._binding: Any = None

    def create_context(self, min_version: tuple[int, int]) -> None:
        self.calls.append(Call("gl.create_context", {"min_version": min_version}))

    def gl_version(self) -> tuple[int, int]:
        return self.version

    def graphics_binding(self, xr: Any) -> Any:
        self._binding = xr.GraphicsBindingOpenGLXlibKHR(glx_drawable=7)
        return self._binding

    def make_current(self) -> None:
        pass

    def create_targets(self, images: Any, width: int, height: int, color_format: int) -> Any:
        from vrtherapy.display.openxr_graphics import SwapchainTargets

        self.calls.append(Call("gl.create_targets", {"images": list(images)}))
        return SwapchainTargets([next(self._fbos) for _ in images], 1, width, height)

    def begin_views(self, srgb: bool) -> None:
        self.calls.append(Call("gl.begin_views", {"srgb": srgb}))

    def end_views(self) -> None:
        self.calls.append(Call("gl.end_views", {}))

    def destroy_targets(self, targets: Any) -> None:
        self.calls.append(Call("gl.destroy_targets", {"fbos": list(targets.framebuffers)}))
        targets.framebuffers = []

    def destroy(self) -> None:
        self.calls.append(Call("gl.destroy", {}))
        self.destroyed = True
