// Per-view data shared by every program: one std140 uniform block per eye,
// packed by vrtherapy/render/frame_uniforms.py (keep the two in step).
layout(std140) uniform Frame {
    mat4 u_view;              // world -> eye
    mat4 u_projection;        // eye -> clip
    mat4 u_inv_view_projection;
    vec4 u_camera;            // xyz: eye position in the world
    vec4 u_to_sun;            // xyz: unit vector towards the sun
    vec4 u_sun_color;         // rgb: sun colour x intensity (linear)
    vec4 u_sky_zenith;        // rgb (linear)
    vec4 u_sky_horizon;       // rgb (linear)
    vec4 u_ground_ambient;    // rgb (linear)
    vec4 u_fog;               // rgb: fog colour (linear), a: density per metre
    vec4 u_params;            // x: ambient intensity, y: brightness (1 - fade),
                              // z: 1 = encode sRGB here (target is not sRGB), w: time (s)
    mat4 u_shadow_matrix;     // world -> sun shadow map (0..1 in x, y, depth)
    vec4 u_shadow;            // x: PCF half-width + 1 (0: no shadow map this frame),
                              // y: one texel (map units), z: normal offset (m),
                              // w: depth bias (map depth units)
    vec4 u_interior_light;    // rgb: an interior's own lights (linear, x intensity),
                              // a: 1 when the client is in one (world/model.py InteriorLight)
    vec4 u_interior_low;      // xyz: the box they light
    vec4 u_interior_high;
};

// Last step of every fragment shader: fade, then (only for non-sRGB targets) encode.
vec3 finish(vec3 linear_rgb) {
    vec3 c = max(linear_rgb, vec3(0.0)) * u_params.y;
    if (u_params.z > 0.5) {
        c = clamp(c, 0.0, 1.0);
        c = mix(c * 12.92, 1.055 * pow(c, vec3(1.0 / 2.4)) - 0.055, step(0.0031308, c));
    }
    return c;
}
