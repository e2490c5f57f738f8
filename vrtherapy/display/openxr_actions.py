"""OpenXR actions: controller pose, the SUDS slider (thumbstick + trigger), the choice
panel (a flick of the thumbstick moves a row, the trigger picks it), the elevator's
floor buttons (next floor up, next floor down) and stop.

The application declares what it wants (actions) and suggests where they come
from on controllers it knows (bindings); the runtime maps any other controller.
Both hands feed each action (subaction paths), so either hand can answer.
"""

from __future__ import annotations

import logging
from typing import Any

from vrtherapy.display.base import FloorRequest, InputEvent, SliderConfirm, StopRequest
from vrtherapy.display.input import stick_flick, stick_move
from vrtherapy.world.transforms import pose_matrix
from vrtherapy.world.types import F32

log = logging.getLogger(__name__)

LEFT = "/user/hand/left"
RIGHT = "/user/hand/right"

ACTION_SET_NAME = "vrtherapy"
POSE = "hand_pose"
CONFIRM = "suds_confirm"
ADJUST = "suds_adjust"
STOP = "stop"
FLOOR_UP = "floor_up"
FLOOR_DOWN = "floor_down"

TRIGGER_PRESSED = 0.75  # trigger counts as pressed above this...
TRIGGER_RELEASED = 0.25  # ...and as released again below this (hysteresis)


def _both(component: str) -> list[str]:
    return [f"{LEFT}/input/{component}", f"{RIGHT}/input/{component}"]


# Suggested bindings for the controllers clinics use. Paths from the OpenXR
# specification's interaction profile list (section 6.4).
SUGGESTED_BINDINGS: dict[str, dict[str, list[str]]] = {
    "/interaction_profiles/oculus/touch_controller": {
        POSE: _both("aim/pose"),
        CONFIRM: _both("trigger/value"),
        ADJUST: _both("thumbstick"),
        STOP: [f"{LEFT}/input/menu/click", f"{RIGHT}/input/b/click"],
        FLOOR_UP: [f"{LEFT}/input/y/click"],
        FLOOR_DOWN: [f"{LEFT}/input/x/click"],
    },
    "/interaction_profiles/valve/index_controller": {
        POSE: _both("aim/pose"),
        CONFIRM: _both("trigger/value"),
        ADJUST: _both("thumbstick"),
        STOP: _both("b/click"),
        FLOOR_UP: [f"{RIGHT}/input/a/click"],
        FLOOR_DOWN: [f"{LEFT}/input/a/click"],
    },
    "/interaction_profiles/htc/vive_controller": {
        POSE: _both("aim/pose"),
        CONFIRM: _both("trigger/value"),
        ADJUST: _both("trackpad"),
        STOP: _both("menu/click"),
        FLOOR_UP: [f"{RIGHT}/input/squeeze/click"],
        FLOOR_DOWN: [f"{LEFT}/input/squeeze/click"],
    },
    "/interaction_profiles/khr/simple_controller": {
        POSE: _both("aim/pose"),
        CONFIRM: _both("select/click"),
        STOP: _both("menu/click"),
    },
}


class ControllerActions:
    """Creates the action set, reads it every frame and turns it into input events."""

    def __init__(self, xr: Any) -> None:
        self._xr = xr
        self.action_set: Any = None
        self.actions: dict[str, Any] = {}
        self.hand_spaces: dict[str, Any] = {}
        self._hand_paths: dict[str, int] = {}
        self._trigger_down = False
        self._flicked = False  # the stick is out of the middle since its last row step
        self._held: set[str] = set()  # floor buttons down at the last sync
        self.controller_pose: F32 | None = None  # right hand aim pose in the reference space

    def create(self, instance: Any) -> None:
        """Create the action set and actions and suggest bindings (before attaching)."""
        xr = self._xr
        self._hand_paths = {
            hand: xr.string_to_path(instance=instance, path_string=hand) for hand in (LEFT, RIGHT)
        }
        self.action_set = xr.create_action_set(
            instance=instance,
            create_info=xr.ActionSetCreateInfo(
                action_set_name=ACTION_SET_NAME,
                localized_action_set_name="vrtherapy client controls",
                priority=0,
            ),
        )
        kinds = {
            POSE: (xr.ActionType.POSE_INPUT, "Hand pose"),
            CONFIRM: (xr.ActionType.FLOAT_INPUT, "Confirm SUDS rating"),
            ADJUST: (xr.ActionType.VECTOR2F_INPUT, "Move SUDS slider"),
            STOP: (xr.ActionType.BOOLEAN_INPUT, "Stop the exposure"),
            FLOOR_UP: (xr.ActionType.BOOLEAN_INPUT, "Elevator: next floor up"),
            FLOOR_DOWN: (xr.ActionType.BOOLEAN_INPUT, "Elevator: next floor down"),
        }
        subaction_paths = list(self._hand_paths.values())
        for name, (action_type, label) in kinds.items():
            self.actions[name] = xr.create_action(
                action_set=self.action_set,
                create_info=xr.ActionCreateInfo(
                    action_name=name,
                    action_type=action_type,
                    count_subaction_paths=len(subaction_paths),
                    subaction_paths=subaction_paths,
                    localized_action_name=label,
                ),
            )
        for profile, bindings in SUGGESTED_BINDINGS.items():
            suggested = [
                xr.ActionSuggestedBinding(
                    action=self.actions[name],
                    binding=xr.string_to_path(instance=instance, path_string=path),
                )
                for name, paths in bindings.items()
                for path in paths
            ]
            try:
                xr.suggest_interaction_profile_bindings(
                    instance=instance,
                    suggested_bindings=xr.InteractionProfileSuggestedBinding(
                        interaction_profile=xr.string_to_path(
                            instance=instance, path_string=profile
                        ),
                        count_suggested_bindings=len(suggested),
                        suggested_bindings=suggested,
                    ),
                )
            except xr.PathUnsupportedError:
                # A runtime may not know a vendor profile; the others still apply.
                log.info("the OpenXR runtime does not support %s", profile)

    def attach(self, session: Any) -> None:
        """Create the hand spaces and attach the action set to the session (once)."""
        xr = self._xr
        for hand, path in self._hand_paths.items():
            self.hand_spaces[hand] = xr.create_action_space(
                session=session,
                create_info=xr.ActionSpaceCreateInfo(
                    action=self.actions[POSE],
                    subaction_path=path,
                    pose_in_action_space=xr.Posef(),
                ),
            )
        xr.attach_session_action_sets(
            session=session,
            attach_info=xr.SessionActionSetsAttachInfo(
                count_action_sets=1, action_sets=[self.action_set]
            ),
        )

    def update(self, session: Any, base_space: Any, time: int, dt: float) -> list[InputEvent]:
        """Sync the actions (session must be FOCUSED) and return the new input events."""
        xr = self._xr
        try:
            xr.sync_actions(
                session=session,
                sync_info=xr.ActionsSyncInfo(
                    count_active_action_sets=1,
                    active_action_sets=[
                        xr.ActiveActionSet(action_set=self.action_set, subaction_path=xr.NULL_PATH)
                    ],
                ),
            )
        except xr.SessionNotFocused:
            return []
        events: list[InputEvent] = []

        stop = xr.get_action_state_boolean(
            session=session,
            get_info=xr.ActionStateGetInfo(action=self.actions[STOP], subaction_path=xr.NULL_PATH),
        )
        if stop.is_active and stop.changed_since_last_sync and stop.current_state:
            events.append(StopRequest())

        for name, up in ((FLOOR_UP, True), (FLOOR_DOWN, False)):
            button = xr.get_action_state_boolean(
                session=session,
                get_info=xr.ActionStateGetInfo(
                    action=self.actions[name], subaction_path=xr.NULL_PATH
                ),
            )
            down = bool(button.is_active and button.current_state)
            if down and name not in self._held:  # one request per press, however long held
                events.append(FloorRequest(up=up))
            (self._held.add if down else self._held.discard)(name)

        adjust = xr.get_action_state_vector2f(
            session=session,
            get_info=xr.ActionStateGetInfo(
                action=self.actions[ADJUST], subaction_path=xr.NULL_PATH
            ),
        )
        if adjust.is_active:
            y = float(adjust.current_state.y)
            moved = stick_move(y, dt)
            if moved is not None:
                events.append(moved)
            self._flicked, step = stick_flick(y, self._flicked)
            if step is not None:  # the choice panel moves one row per flick
                events.append(step)

        trigger = xr.get_action_state_float(
            session=session,
            get_info=xr.ActionStateGetInfo(
                action=self.actions[CONFIRM], subaction_path=xr.NULL_PATH
            ),
        )
        value = float(trigger.current_state) if trigger.is_active else 0.0
        if not self._trigger_down and value >= TRIGGER_PRESSED:
            self._trigger_down = True
            events.append(SliderConfirm())
        elif self._trigger_down and value <= TRIGGER_RELEASED:
            self._trigger_down = False

        space = self.hand_spaces.get(RIGHT)
        if space is not None:
            location = xr.locate_space(space=space, base_space=base_space, time=time)
            flags = int(location.location_flags)
            valid = xr.SPACE_LOCATION_ORIENTATION_VALID_BIT | xr.SPACE_LOCATION_POSITION_VALID_BIT
            if flags & valid == valid:
                p, q = location.pose.position, location.pose.orientation
                self.controller_pose = pose_matrix((p.x, p.y, p.z), (q.x, q.y, q.z, q.w))
            else:
                self.controller_pose = None
        return events

    def destroy_spaces(self) -> None:
        """Destroy the hand spaces (children of the session: before the session goes)."""
        for hand in list(self.hand_spaces)[::-1]:
            self._xr.destroy_space(space=self.hand_spaces.pop(hand))

    def destroy(self) -> None:
        """Destroy the actions and the action set (children of the instance)."""
        xr = self._xr
        self.destroy_spaces()
        for name in list(self.actions)[::-1]:
            xr.destroy_action(action=self.actions.pop(name))
        if self.action_set is not None:
            xr.destroy_action_set(action_set=self.action_set)
            self.action_set = None
