"""Rendering: world draw lists and in-headset panels into eye views (OpenGL 3.3 core).

``Renderer`` draws; ``Overlay``/``SudsPanel`` describe the panels; ``RenderTarget``
is an off-screen sRGB framebuffer; ``MirrorReadback`` reads a small mirror image
back asynchronously for the therapist console.
"""

from vrtherapy.render.glcalls import FrameStats
from vrtherapy.render.overlay import NO_OVERLAY, ChoicePanel, Overlay, PanelLayout, SudsPanel
from vrtherapy.render.readback import MirrorReadback
from vrtherapy.render.renderer import Renderer
from vrtherapy.render.targets import RenderTarget
from vrtherapy.render.views import View

__all__ = [
    "NO_OVERLAY",
    "ChoicePanel",
    "FrameStats",
    "MirrorReadback",
    "Overlay",
    "PanelLayout",
    "RenderTarget",
    "Renderer",
    "SudsPanel",
    "View",
]
