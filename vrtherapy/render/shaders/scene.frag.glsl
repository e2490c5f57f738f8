// Sun + hemisphere ambient + an interior's own lights + a soft highlight, exponential
// fog, fade.
#include "frame.glsl"

in vec3 v_world;
in vec3 v_normal;
in vec4 v_color;
in vec2 v_material;
out vec4 frag_color;

uniform sampler2DShadow u_shadow_map;  // the sun's depth (render/shadows.py), unit 1

// How much of the sun reaches this point: 1 lit .. 0 in shadow, percentage-closer
// filtered. The lookup moves along the normal and towards the sun by about a texel
// (more at grazing light), which keeps a lit floor free of acne without lifting
// shadows off their casters.
float sun_visibility(vec3 world, vec3 n, float ndl) {
    if (u_shadow.x < 0.5 || ndl <= 0.0) return 1.0;
    float slope = sqrt(max(1.0 - ndl * ndl, 0.0)) / max(ndl, 0.2);
    vec3 p = world + n * u_shadow.z * (1.0 + slope);
    vec3 s = (u_shadow_matrix * vec4(p, 1.0)).xyz;
    if (s.z >= 1.0) return 1.0;
    float texel = u_shadow.y;
    s.z -= u_shadow.w * (1.0 + slope);
    int r = int(u_shadow.x + 0.5) - 1;
    float lit = 0.0;
    for (int y = -r; y <= r; ++y) {
        for (int x = -r; x <= r; ++x) {
            lit += texture(u_shadow_map, vec3(s.xy + vec2(x, y) * texel, s.z));
        }
    }
    float side = float(2 * r + 1);
    return lit / (side * side);
}

// An interior's own lights (ceiling panels): from above, not shadowed by the sun's map,
// inside their box only; a surface facing down gets a third of a floor's, as bounce.
vec3 interior_light(vec3 world, vec3 n) {
    if (u_interior_light.a < 0.5) return vec3(0.0);
    vec3 inside = step(u_interior_low.xyz, world) * step(world, u_interior_high.xyz);
    return u_interior_light.rgb * (inside.x * inside.y * inside.z) * (0.65 + 0.35 * n.y);
}

void main() {
    vec3 to_eye = u_camera.xyz - v_world;
    float dist = length(to_eye);
    vec3 v = to_eye / max(dist, 1e-5);
    vec3 n = normalize(v_normal);
    if (dot(n, v) < 0.0) n = -n;   // thin and double-sided surfaces light from either side

    vec3 albedo = v_color.rgb;
    float roughness = clamp(v_material.x, 0.05, 1.0);
    float emissive = clamp(v_material.y, 0.0, 1.0);

    vec3 l = u_to_sun.xyz;
    float ndl = max(dot(n, l), 0.0);
    float sun_seen = sun_visibility(v_world, n, ndl);
    ndl *= sun_seen;
    vec3 sky_ambient = mix(u_sky_horizon.rgb, u_sky_zenith.rgb, 0.5);
    vec3 ambient = mix(u_ground_ambient.rgb, sky_ambient, 0.5 + 0.5 * n.y) * u_params.x
        + interior_light(v_world, n);
    vec3 h = normalize(l + v);
    float shininess = mix(96.0, 4.0, roughness);
    float spec = pow(max(dot(n, h), 0.0), shininess) * (1.0 - roughness) * 0.35 * sun_seen;

    vec3 lit = albedo * (u_sun_color.rgb * ndl + ambient) + u_sun_color.rgb * spec;
    vec3 color = mix(lit, albedo, emissive);

    float fog = exp(-u_fog.a * dist);
    color = mix(u_fog.rgb, color, fog);
    frag_color = vec4(finish(color), v_color.a);
}
