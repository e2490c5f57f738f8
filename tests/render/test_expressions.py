"""Expression from pixels: a partner's valence shows in its face, rendered through the
whole chain (scenario partner -> behaviour -> rig -> renderer), and is not lost in
the face's idle motion."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import numpy.typing as npt
import pytest

from tests.gl_support import draw, headless
from vrtherapy.authoring.scenario import ScenarioSpec
from vrtherapy.display.headless import HeadlessDisplay, HeadPose
from vrtherapy.partners.stage import Stage
from vrtherapy.render import Renderer
from vrtherapy.world.model import AvatarControls
from vrtherapy.world.world import World, build_world

I32 = npt.NDArray[np.int32]
SIZE = (320, 240)
FOV = 40.0  # degrees across: a close look at the face
DISTANCE = 0.7  # metres from the face, in front of it
HEAD = "anna/body/hips/torso/neck/head"


@pytest.fixture(scope="module")
def display() -> Iterator[HeadlessDisplay]:
    with headless(SIZE, fov_degrees=FOV) as d:
        yield d


# ``renderer`` comes from tests/render/conftest.py, made for this module's ``display``


def scenario(valence: float) -> ScenarioSpec:
    return ScenarioSpec.model_validate(
        {
            "id": "test.face",
            "title": "Face",
            "family": "social",
            "levels": [{"name": "a"}],
            "environment": {"sky": "indoor", "lighting": "indoor_warm"},
            "objects": [{"name": "room", "procedural": "room"}],
            "partners": [
                {
                    "id": "anna",
                    "name": "Anna",
                    "avatar": {"seed": 5, "pose": "seated", "sex": "female", "skin": 3},
                    "behaviour": {"valence": valence, "eye_contact": 1.0},
                    "transform": {"position": [0, 0, -1.2]},
                }
            ],
        }
    )


def face_picture(
    display: HeadlessDisplay,
    renderer: Renderer,
    valence: float,
    t: float,
    blink: float | None = None,
) -> tuple[I32, tuple[slice, slice]]:
    """The frame at time ``t`` seen from DISTANCE in front of the partner's face, and the
    face's box in it (from the head's size and the camera's field of view). ``blink``
    overrides the eyelids (0 open, 1 shut)."""
    spec = scenario(valence)
    w: World = build_world(spec, {}, seed=1)
    w.advance(0.0)
    eyes = w.world_matrix(HEAD) @ np.array([0.0, 0.135, 0.088, 1.0])
    eye = (float(eyes[0]), float(eyes[1]), float(eyes[2]) + DISTANCE)
    stage = Stage(spec, w)
    stage.retarget(0.0, {})
    stage.pose(t, eye)
    if blink is not None:
        w.control_avatar("anna", AvatarControls(blink=blink))
    display.head = HeadPose(eye_height=eye[1], x=eye[0], z=eye[2])
    image = draw(display, renderer, w.draw_list())[0].astype(np.int32)
    px_per_m = SIZE[0] / 2 / (DISTANCE * np.tan(np.radians(FOV / 2)))
    cx, cy = SIZE[0] // 2, SIZE[1] // 2
    box = (
        slice(int(cy - 0.08 * px_per_m), int(cy + 0.11 * px_per_m)),  # brows to chin
        slice(int(cx - 0.07 * px_per_m), int(cx + 0.07 * px_per_m)),
    )
    return image, box


def changed(a: I32, b: I32) -> npt.NDArray[np.bool_]:
    """Pixels that differ clearly (by more than 40 of 255 in some channel)."""
    return np.asarray(np.abs(a - b).max(axis=2) > 40)


def test_valence_shows_in_the_face_more_than_a_blink_does(
    display: HeadlessDisplay, renderer: Renderer
) -> None:
    """The same partner at valence -1 and +1, at the same moment, eyes open: brows drawn
    down or raised, lids narrowed, mouth corners down or up. Rendering is deterministic
    (the same valence twice: not one pixel differs, the noise floor is zero), so every
    changed pixel is the expression; and it changes more of the face than a blink, a
    change anyone sees at this distance, and does so both around the eyes and at the
    mouth."""
    t = 0.5
    cold, box = face_picture(display, renderer, -1.0, t, blink=0.0)
    again, _ = face_picture(display, renderer, -1.0, t, blink=0.0)
    warm, _ = face_picture(display, renderer, 1.0, t, blink=0.0)
    shut, _ = face_picture(display, renderer, -1.0, t, blink=1.0)
    face = cold[box]
    assert face.std() > 10  # the box holds a face, not a blank wall
    assert not changed(cold, again).any()  # the noise floor
    expression = changed(cold, warm)[box]
    blinking = changed(cold, shut)[box]
    assert blinking.mean() > 0.005  # the blink itself shows (the eyes are in the box)
    assert expression.mean() > 1.5 * blinking.mean(), (expression.mean(), blinking.mean())
    rows = expression.shape[0]
    upper = expression[: int(rows * 0.45)]  # brows and eyes
    lower = expression[int(rows * 0.6) :]  # mouth and chin
    assert upper.mean() > 0.01 and lower.mean() > 0.01, (upper.mean(), lower.mean())
