// Lit geometry. Built twice: with INSTANCED the per-object data comes from an
// instance buffer (one draw call per mesh), without it from uniforms (one draw
// call per object: glass, and the naive comparison path).
#include "frame.glsl"

layout(location = 0) in vec3 a_position;
layout(location = 1) in vec3 a_normal;
layout(location = 2) in vec4 a_color;      // linear RGBA, ambient occlusion baked in
#ifdef INSTANCED
layout(location = 3) in mat4 i_model;      // locations 3..6
layout(location = 7) in vec4 i_tint;
layout(location = 8) in vec2 i_material;   // roughness, emissive
#else
uniform mat4 u_model;
uniform vec4 u_tint;
uniform vec2 u_material;
#endif

out vec3 v_world;
out vec3 v_normal;
out vec4 v_color;
out vec2 v_material;

void main() {
#ifdef INSTANCED
    mat4 model = i_model;
    vec4 tint = i_tint;
    vec2 material = i_material;
#else
    mat4 model = u_model;
    vec4 tint = u_tint;
    vec2 material = u_material;
#endif
    vec4 world = model * vec4(a_position, 1.0);
    v_world = world.xyz;
    // Exact for rotations and uniform scale, which is what scenes use.
    v_normal = mat3(model) * a_normal;
    v_color = a_color * tint;
    v_material = material;
    gl_Position = u_projection * (u_view * world);
}
