// The sun's depth pass (render/shadows.py): the instanced opaque batches, position only.
layout(location = 0) in vec3 a_position;
layout(location = 3) in mat4 i_model;      // locations 3..6, as in scene.vert.glsl

uniform mat4 u_light;                      // world -> the light box's clip space

void main() {
    gl_Position = u_light * (i_model * vec4(a_position, 1.0));
}
