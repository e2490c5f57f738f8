// Sun + hemisphere ambient + a soft highlight, exponential fog, fade.
#include "frame.glsl"

in vec3 v_world;
in vec3 v_normal;
in vec4 v_color;
in vec2 v_material;
out vec4 frag_color;

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
    vec3 sky_ambient = mix(u_sky_horizon.rgb, u_sky_zenith.rgb, 0.5);
    vec3 ambient = mix(u_ground_ambient.rgb, sky_ambient, 0.5 + 0.5 * n.y) * u_params.x;
    vec3 h = normalize(l + v);
    float shininess = mix(96.0, 4.0, roughness);
    float spec = pow(max(dot(n, h), 0.0), shininess) * (1.0 - roughness) * 0.35 * step(0.0, ndl);

    vec3 lit = albedo * (u_sun_color.rgb * ndl + ambient) + u_sun_color.rgb * spec;
    vec3 color = mix(lit, albedo, emissive);

    float fog = exp(-u_fog.a * dist);
    color = mix(u_fog.rgb, color, fog);
    frag_color = vec4(finish(color), v_color.a);
}
