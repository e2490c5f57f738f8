"""Virtual social partners: dialogue runtime, behaviour and animation (pure logic).

May import ``vrtherapy.authoring`` and ``vrtherapy.world`` only; speech synthesis
and playback live at the edges.
"""
