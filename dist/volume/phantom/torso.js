import { CAVITY, cylinder, ellipsoid, jitter, labels, place, unitBall, wobble } from "./frame.js";
import { labelValue } from "./labels.js";
import { rotation, toWorld } from "./shapes.js";
/** Long enough to cross any grid: the torso and the spine run the whole scan. */
export const ENDLESS = 5000;
/** Skin-to-fat, fat-to-muscle and muscle-to-cavity: three nested elliptic cylinders. */
export function torsoOps(frame, hu) {
    const centre = [0, frame.centreY, 0];
    const { halfWidth: a, halfDepth: b, fat, muscle } = frame;
    const body = labelValue('body');
    return [
        { shape: cylinder(centre, [a, b], ENDLESS), label: body, hu: hu.fat },
        { shape: cylinder(centre, [a - fat, b - fat], ENDLESS), hu: hu.muscle, within: [body] },
        { shape: cylinder(centre, [a - fat - muscle, b - fat - muscle], ENDLESS), label: CAVITY, hu: hu.cavity, within: [body] },
    ];
}
/** Two lungs high in the scan and the heart between them; the lung bases are later pushed up by liver, spleen and stomach (the diaphragm domes). */
export function lungOps(rng, frame, hu) {
    const ops = [];
    for (const [name, side] of [['lung_left', -1], ['lung_right', 1]]) {
        const r = rng.fork(name);
        const f = r.uniform(0.88, 1.12);
        const lung = ellipsoid(place(frame, side * 80 + jitter(r, 4), -8 + jitter(r, 4), 205 + jitter(r, 8)), [62 * frame.scaleX * f, 84 * frame.scaleY * f, 118 * f], wobble(r, 3, 3, 4));
        const value = labelValue(name);
        ops.push({ shape: lung, label: value, hu: hu.lung, within: [CAVITY] });
        // Pulmonary vessels: thin bright tubes, still labelled lung.
        const vessels = r.int(10, 16);
        for (let n = 0; n < vessels; n++) {
            const u = unitBall(r);
            const at = toWorld(lung, [u[0] * lung.radii[0] * 0.8, u[1] * lung.radii[1] * 0.8, u[2] * lung.radii[2] * 0.8]);
            const tube = cylinder(at, [r.uniform(1.5, 3.5), r.uniform(1.5, 3.5)], r.uniform(15, 40), rotation(r.uniform(0, 360), r.uniform(0, 360), 0));
            ops.push({ shape: tube, hu: hu.lungVessel, within: [value] });
        }
    }
    // Heart: unlabelled blood pool between the lungs, left of the midline, notching the left lung.
    const h = rng.fork('heart');
    const fh = h.uniform(0.88, 1.12);
    const heart = ellipsoid(place(frame, -22 + jitter(h, 5), 28 + jitter(h, 5), 180 + jitter(h, 8)), [58 * frame.scaleX * fh, 46 * frame.scaleY * fh, 52 * fh], rotation(jitter(h, 5), jitter(h, 5), h.uniform(20, 40)));
    ops.push({ shape: heart, label: CAVITY, hu: hu.blood, within: labels('cavity', 'lung_left', 'lung_right') });
    return ops;
}
/** Stomach (fluid with an anterior gas cap), bowel loops with gas, and visceral fat. */
export function gutOps(rng, frame, hu) {
    const ops = [];
    const s = rng.fork('stomach');
    const f = s.uniform(0.85, 1.15);
    const stomach = ellipsoid(place(frame, -48 + jitter(s, 6), 40 + jitter(s, 6), 82 + jitter(s, 8)), [46 * frame.scaleX * f, 36 * frame.scaleY * f, 46 * f], rotation(jitter(s, 5), jitter(s, 5), s.uniform(5, 30)));
    // The stomach may push up into the left lung base: it takes over those voxels.
    ops.push({ shape: stomach, label: CAVITY, hu: hu.fluid, within: labels('cavity', 'lung_left') });
    // Supine patient: gas rises anteriorly. A 0.45-scaled ellipsoid offset by 0.45 stays inside.
    ops.push({ shape: gasPocket(stomach, s.uniform(0.3, 0.45)), hu: hu.air, within: [CAVITY] });
    const b = rng.fork('bowel');
    const loops = b.int(7, 12);
    for (let n = 0; n < loops; n++) {
        const loop = ellipsoid(place(frame, b.uniform(-95, 95), b.uniform(-15, 80), b.uniform(-200, -5)), [b.uniform(14, 32), b.uniform(14, 30), b.uniform(14, 34)], rotation(b.uniform(0, 180), b.uniform(0, 180), 0));
        ops.push({ shape: loop, hu: b.chance(0.5) ? hu.bowelWall : hu.fluid, within: [CAVITY] });
        if (b.chance(0.45))
            ops.push({ shape: gasPocket(loop, b.uniform(0.25, 0.45)), hu: hu.air, within: [CAVITY] });
    }
    const v = rng.fork('visceral_fat');
    const blobs = v.int(6, 12);
    for (let n = 0; n < blobs; n++) {
        const blob = ellipsoid(place(frame, v.uniform(-110, 110), v.uniform(-60, 90), v.uniform(-220, 60)), [v.uniform(12, 35), v.uniform(12, 30), v.uniform(15, 45)], rotation(v.uniform(0, 180), v.uniform(0, 180), 0));
        ops.push({ shape: blob, hu: hu.fat, within: [CAVITY] });
    }
    return ops;
}
/** A gas bubble at the anterior top of a hollow ellipsoid, contained in it (scale + offset < 1). */
function gasPocket(host, scale) {
    const [a, b, c] = host.radii;
    const lift = 0.95 - scale;
    // Anterior is world +y; move along the host's local axis closest to it.
    const rot = host.rotation;
    const axis = [0, 1, 2].reduce((best, l) => (Math.abs(rot[1][l]) > Math.abs(rot[1][best]) ? l : best), 0);
    const dir = Math.sign(rot[1][axis]) || 1;
    const local = [0, 0, 0];
    local[axis] = dir * lift * host.radii[axis];
    return ellipsoid(toWorld(host, local), [a * scale, b * scale, c * scale], rot);
}
