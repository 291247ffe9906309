import { labelValue } from "./labels.js";
import { IDENTITY, rotation } from "./shapes.js";
/**
 * Internal label for the body cavity (inside the muscle wall). Organs are painted only over the
 * cavity, so they never cross the body wall; it becomes `body` when painting is done.
 */
export const CAVITY = 255;
export const REFERENCE_HALF_WIDTH = 170;
export const REFERENCE_HALF_DEPTH = 120;
/** Gaussian clipped to ±2.5 sd so no seed throws an organ out of the torso. */
export function jitter(rng, sd) {
    return Math.max(-2.5 * sd, Math.min(2.5 * sd, rng.normal(0, sd)));
}
export function drawBodyFrame(rng) {
    const halfWidth = REFERENCE_HALF_WIDTH * rng.uniform(0.88, 1.08);
    const halfDepth = REFERENCE_HALF_DEPTH * rng.uniform(0.88, 1.1);
    const scaleX = halfWidth / REFERENCE_HALF_WIDTH;
    const scaleY = halfDepth / REFERENCE_HALF_DEPTH;
    const centreY = jitter(rng, 4);
    const shift = [jitter(rng, 5), jitter(rng, 4), jitter(rng, 12)];
    return {
        halfWidth,
        halfDepth,
        centreY,
        fat: rng.uniform(8, 28),
        muscle: rng.uniform(8, 14),
        scaleX,
        scaleY,
        shift,
        spineX: shift[0] * 0.3,
        // The vertebral body centre sits about 78 mm in front of the back skin in the reference torso.
        spineY: centreY - halfDepth + 78 * scaleY + shift[1] * 0.5,
        vertebraA: rng.uniform(20, 24) * Math.sqrt(scaleX),
        vertebraB: rng.uniform(15, 18) * Math.sqrt(scaleY),
    };
}
/** Reference-torso coordinates (mm) → world, for this patient. */
export function place(frame, x, y, z) {
    return [x * frame.scaleX + frame.shift[0], frame.centreY + y * frame.scaleY + frame.shift[1], z + frame.shift[2]];
}
export function offset(p, d) {
    return [p[0] + d[0], p[1] + d[1], p[2] + d[2]];
}
export function ellipsoid(centre, radii, rotation = IDENTITY) {
    return { kind: 'ellipsoid', centre, radii, rotation };
}
export function cylinder(centre, radii, halfLength, rotation = IDENTITY) {
    return { kind: 'cylinder', centre, radii, halfLength, rotation };
}
/** Label names → values, plus the internal cavity label, for `within` lists. */
export function labels(...names) {
    return names.map((n) => (n === 'cavity' ? CAVITY : labelValue(n)));
}
/** A uniformly random point in the unit ball (rejection sampling). */
export function unitBall(rng) {
    for (;;) {
        const p = [rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1)];
        if (p[0] * p[0] + p[1] * p[1] + p[2] * p[2] <= 1)
            return p;
    }
}
/** A random rotation with the given spread (degrees) about each world axis. */
export function wobble(rng, xDeg, yDeg, zDeg) {
    return rotation(jitter(rng, xDeg), jitter(rng, yDeg), jitter(rng, zDeg));
}
