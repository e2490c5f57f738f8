// One full-screen triangle at the far plane, drawn after the opaque geometry
// (depth test LEQUAL), so it only shades pixels nothing else covered.
#include "frame.glsl"

out vec2 v_ndc;

void main() {
    vec2 p = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2)) * 2.0 - 1.0;
    v_ndc = p;
    gl_Position = vec4(p, 1.0, 1.0);
}
