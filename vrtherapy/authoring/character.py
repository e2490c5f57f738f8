"""A partner's own glTF character (``model:`` in a scenario's partner): the file, the
clip it plays, and how the engine's face and gaze channels map onto the file's morph
targets and joints.

The engine drives four face channels, fifteen visemes and three joints. Each
channel and viseme maps to one morph target name or a list of them (all are set
to its value); each joint to one node name. What an author leaves out falls back to the defaults
below, which cover the usual exports: ARKit-style blend shapes (``jawOpen``,
``eyeBlinkLeft`` ...) and Mixamo/Blender-style bones (``Head``, ``LeftEye``;
a prefix such as ``mixamorig:`` is ignored). A default the file does not have is
simply not used; a name the author wrote that the file lacks is a problem.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from vrtherapy.authoring.common import Model

# engine channel -> what drives it
MORPH_CHANNELS: dict[str, str] = {
    "jaw_open": "the mouth while the partner speaks (lip sync), 0..1",
    "blink": "both eyelids closing, 0..1",
    "smile": "a warm expression, the positive part of the partner's valence, 0..1",
    "frown": "a hostile expression, the negative part of the partner's valence, 0..1",
}
BONES: dict[str, str] = {
    "head": "turns towards what the partner looks at (gaze) and nods",
    "left_eye": "aims at what the partner looks at",
    "right_eye": "aims at what the partner looks at",
}
DEFAULT_MORPHS: dict[str, tuple[str, ...]] = {
    "jaw_open": ("jawOpen", "mouthOpen", "viseme_aa"),
    "blink": ("eyeBlinkLeft", "eyeBlinkRight", "eyesClosed", "blink"),
    "smile": ("mouthSmileLeft", "mouthSmileRight", "mouthSmile", "smile"),
    "frown": ("browDownLeft", "browDownRight", "mouthFrownLeft", "mouthFrownRight", "frown"),
}
DEFAULT_BONES: dict[str, str] = {"head": "Head", "left_eye": "LeftEye", "right_eye": "RightEye"}
# The mouth shapes lip sync names where the voice gives phoneme timings (Piper): the
# same tuple as vrtherapy.partners.visemes.VISEMES (a test keeps them in step). Their
# default morph targets are the Oculus/Ready Player Me names, 'viseme_aa' ...
VISEMES = ("sil", "PP", "FF", "TH", "DD", "kk", "CH", "SS", "nn", "RR", "aa", "E", "ih", "oh", "ou")
DEFAULT_VISEMES: dict[str, tuple[str, ...]] = {v: (f"viseme_{v}",) for v in VISEMES}
MODEL_SUFFIXES = (".glb", ".gltf")


def _file_only(value: Any) -> Any:
    """``model: people/lee.glb`` is short for ``model: {file: people/lee.glb}``."""
    return {"file": value} if isinstance(value, str) else value


class CharacterSpec(Model):
    """A partner's glTF character; see the module docstring and docs/characters.md."""

    file: Annotated[str, Field(min_length=1)]
    clip: str | None = None  # an animation clip of the file, looped (e.g. an idle)
    morphs: dict[str, str | list[str]] = {}  # engine channel -> morph target name(s)
    visemes: dict[str, str | list[str]] = {}  # viseme -> morph target name(s)
    bones: dict[str, str] = {}  # engine joint -> node name


CharacterField = Annotated[
    CharacterSpec | None,
    BeforeValidator(_file_only, json_schema_input_type=CharacterSpec | str | None),
]
