#include "frame.glsl"

in vec2 v_uv;
in vec4 v_color;
out vec4 frag_color;

uniform sampler2D u_atlas;                 // single channel: glyph coverage

void main() {
    float coverage = v_uv.x < 0.0 ? 1.0 : texture(u_atlas, v_uv).r;
    frag_color = vec4(finish(v_color.rgb), v_color.a * coverage);
}
