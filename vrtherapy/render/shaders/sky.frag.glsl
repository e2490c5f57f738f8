// Vertical gradient horizon -> zenith, ground-coloured below the horizon, a sun
// disc with a glow, and the fog colour near the horizon when there is fog.
#include "frame.glsl"

in vec2 v_ndc;
out vec4 frag_color;

void main() {
    vec4 far_point = u_inv_view_projection * vec4(v_ndc, 1.0, 1.0);
    vec3 dir = normalize(far_point.xyz / far_point.w - u_camera.xyz);
    float up = dir.y;
    vec3 sky = mix(u_sky_horizon.rgb, u_sky_zenith.rgb, pow(clamp(up, 0.0, 1.0), 0.6));
    // Below the horizon (past the edge of the world's ground): distant haze that
    // darkens only slowly towards the ground colour, so no band shows at the horizon.
    vec3 below = mix(u_sky_horizon.rgb, u_ground_ambient.rgb, 0.5 * smoothstep(0.0, 0.8, -up));
    vec3 color = up >= 0.0 ? sky : below;
    float s = max(dot(dir, u_to_sun.xyz), 0.0);
    color += u_sun_color.rgb * (smoothstep(0.9994, 0.9997, s) * 6.0 + pow(s, 48.0) * 0.25);
    float haze = (1.0 - exp(-u_fog.a * 400.0)) * pow(1.0 - abs(up), 3.0);
    color = mix(color, u_fog.rgb, haze);
    frag_color = vec4(finish(color), 1.0);
}
