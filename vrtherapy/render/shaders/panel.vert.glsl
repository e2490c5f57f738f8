// In-headset panels (SUDS slider, subtitles, instructions): world-space quads.
#include "frame.glsl"

layout(location = 0) in vec3 a_position;   // tracking space (client's floor at y = 0)
layout(location = 1) in vec2 a_uv;         // glyph atlas; u < 0 for a plain fill
layout(location = 2) in vec4 a_color;      // linear RGBA

uniform mat4 u_model;                      // tracking space -> world

out vec2 v_uv;
out vec4 v_color;

void main() {
    v_uv = a_uv;
    v_color = a_color;
    gl_Position = u_projection * (u_view * (u_model * vec4(a_position, 1.0)));
}
