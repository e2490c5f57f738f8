// Skinned and morphed characters (render/skinned.py): morph target deltas are added
// to the rest shape, then up to four joint matrices bend it. Shares scene.frag.glsl;
// built with DEPTH_ONLY, the same bending into the sun's shadow map (shadow.frag.glsl).
#include "frame.glsl"

layout(location = 0) in vec3 a_position;
layout(location = 1) in vec3 a_normal;
layout(location = 2) in vec4 a_color;      // linear RGBA
layout(location = 3) in uvec4 a_joints;    // indices into u_joints
layout(location = 4) in vec4 a_weights;    // sum to 1

// One skin's joint matrices (bind space -> world), MAX_JOINTS set by the program.
layout(std140) uniform Joints {
    mat4 u_joints[MAX_JOINTS];
};

// Morph deltas: texel (t * u_vertex_count + vertex) * 2 is target t's position delta
// for that vertex, the texel after it its normal delta.
uniform samplerBuffer u_morphs;
uniform int u_vertex_count;
uniform int u_morph_count;
uniform float u_morph_weights[MAX_MORPHS];
uniform vec4 u_tint;
uniform vec2 u_material;                   // roughness, emissive
#ifdef DEPTH_ONLY
uniform mat4 u_light;                      // world -> the light box's clip space
#endif

out vec3 v_world;
out vec3 v_normal;
out vec4 v_color;
out vec2 v_material;

void main() {
    vec3 position = a_position;
    vec3 normal = a_normal;
    for (int t = 0; t < u_morph_count; ++t) {
        float w = u_morph_weights[t];
        if (w != 0.0) {
            int texel = (t * u_vertex_count + gl_VertexID) * 2;
            position += w * texelFetch(u_morphs, texel).xyz;
            normal += w * texelFetch(u_morphs, texel + 1).xyz;
        }
    }
    mat4 skin = a_weights.x * u_joints[a_joints.x] + a_weights.y * u_joints[a_joints.y]
              + a_weights.z * u_joints[a_joints.z] + a_weights.w * u_joints[a_joints.w];
    vec4 world = skin * vec4(position, 1.0);
    v_world = world.xyz;
    v_normal = mat3(skin) * normal;        // rotations and uniform scale, as elsewhere
    v_color = a_color * u_tint;
    v_material = u_material;
#ifdef DEPTH_ONLY
    gl_Position = u_light * world;
#else
    gl_Position = u_projection * (u_view * world);
#endif
}
