import { CAVITY, cylinder, ellipsoid, jitter, labels, place, unitBall, wobble } from "./frame.js";
import { labelValue } from "./labels.js";
import { rotation, toWorld } from "./shapes.js";
/** A large right lobe plus a smaller left lobe reaching across the midline, with bright portal-venous vessels inside. */
export function liverOps(rng, frame, hu) {
    const f = rng.uniform(0.87, 1.15);
    const axis = () => f * rng.uniform(0.94, 1.06);
    const right = ellipsoid(place(frame, 60 + jitter(rng, 6), 8 + jitter(rng, 5), 40 + jitter(rng, 8)), [75 * frame.scaleX * axis(), 85 * frame.scaleY * axis(), 78 * axis()], wobble(rng, 5, 5, 6));
    const left = ellipsoid(place(frame, -15 + jitter(rng, 5), 38 + jitter(rng, 4), 68 + jitter(rng, 6)), [55 * frame.scaleX * axis(), 42 * frame.scaleY * axis(), 38 * axis()], rotation(jitter(rng, 4), jitter(rng, 4), rng.uniform(-15, 0)));
    const liver = labelValue('liver');
    // The liver dome pushes the right lung base up: it may take over lung voxels.
    const within = labels('cavity', 'lung_left', 'lung_right');
    const ops = [
        { shape: right, label: liver, hu: hu.liver, within },
        { shape: left, label: liver, hu: hu.liver, within },
    ];
    const vessels = rng.int(5, 9);
    for (let n = 0; n < vessels; n++) {
        const lobe = rng.chance(0.75) ? right : left;
        const u = unitBall(rng);
        const at = toWorld(lobe, [u[0] * lobe.radii[0] * 0.75, u[1] * lobe.radii[1] * 0.75, u[2] * lobe.radii[2] * 0.75]);
        const r = rng.uniform(2.5, 5.5);
        const tube = cylinder(at, [r, r], rng.uniform(15, 35), rotation(rng.uniform(0, 360), rng.uniform(0, 360), 0));
        ops.push({ shape: tube, hu: hu.hepaticVessel, within: [liver] });
    }
    return { ops, lobes: [right, left] };
}
/** Inferior vena cava: right of the aorta, in front of the spine, grooving the back of the liver (unlabelled, as in clinical liver masks). */
export function ivcOps(rng, frame, hu) {
    const bottom = -160 + frame.shift[2];
    const top = 100 + frame.shift[2];
    const ivc = cylinder([frame.spineX + 22 * frame.scaleX + jitter(rng, 3), frame.spineY + frame.vertebraB + 10 + jitter(rng, 2), (top + bottom) / 2], [rng.uniform(10, 14), rng.uniform(7, 10)], (top - bottom) / 2, wobble(rng, 2, 2, 5));
    return { ops: [{ shape: ivc, label: CAVITY, hu: hu.ivc, within: labels('cavity', 'liver') }], ivc };
}
/** Spleen: left, posterior, long axis along the ribs, with a notch at the hilum facing the stomach. */
export function spleenOps(rng, frame, hu) {
    const f = rng.uniform(0.85, 1.15);
    const spleen = ellipsoid(place(frame, -88 + jitter(rng, 5), -28 + jitter(rng, 5), 72 + jitter(rng, 8)), [24 * frame.scaleX * f, 48 * frame.scaleY * f, 45 * f], rotation(jitter(rng, 5), jitter(rng, 5), rng.uniform(-45, -25)));
    // Hilum: a bite out of the medial-anterior face (world direction roughly +x, +y).
    const reach = 0.9 * spleen.radii[0];
    const hilum = ellipsoid([spleen.centre[0] + 0.8 * reach, spleen.centre[1] + 0.6 * reach, spleen.centre[2] - 5], [14 * f, 24 * f, 26 * f], spleen.rotation);
    const value = labelValue('spleen');
    return [
        { shape: spleen, label: value, hu: hu.spleen, within: labels('cavity', 'lung_left') },
        { shape: hilum, label: CAVITY, hu: hu.cavity, within: [value] },
    ];
}
/**
 * One kidney: posterior, beside the spine, upper pole tilted medially and backwards, hilum facing
 * antero-medially. Perirenal fat around it, bright cortex over a darker medulla, and a fat-filled
 * sinus at the hilum that gives the bean shape.
 */
export function kidneyOps(rng, frame, hu, name) {
    // Patient's left is world −x (RAS+); the left kidney usually sits a little higher.
    const side = name === 'kidney_left' ? -1 : 1;
    const f = rng.uniform(0.87, 1.13);
    const axis = () => f * rng.uniform(0.94, 1.06);
    const kidney = ellipsoid(place(frame, side * 68 + jitter(rng, 4), -45 + jitter(rng, 4), (side < 0 ? 12 : -8) + jitter(rng, 8)), [27 * axis(), 21 * axis(), 55 * axis()], 
    // Rz·Ry·Rx: x tips the upper pole back, y tips it medially, z turns the hilum forward.
    rotation(rng.uniform(5, 15), -side * rng.uniform(8, 18), -side * rng.uniform(20, 35)));
    const [a, b, c] = kidney.radii;
    const capsule = ellipsoid(kidney.centre, [a + 10, b + 10, c + 14], kidney.rotation);
    const medulla = ellipsoid(kidney.centre, [a * 0.68, b * 0.68, c * 0.72], kidney.rotation);
    // Local x stays close to world x (+ = patient's right), so medial is local −side·x.
    const sinus = ellipsoid(toWorld(kidney, [-side * 0.72 * a, 0, 0]), [0.45 * a, 0.45 * b, 0.38 * c], kidney.rotation);
    const value = labelValue(name);
    const ops = [
        { shape: capsule, hu: hu.fat, within: [CAVITY] },
        { shape: kidney, label: value, hu: hu.kidneyCortex, within: labels('cavity', 'liver', 'spleen') },
        { shape: medulla, hu: hu.kidneyMedulla, within: [value] },
        { shape: sinus, label: CAVITY, hu: Math.round(hu.fat * 0.4), within: [value] },
    ];
    return { ops, kidney, sinus, capsule };
}
/** Abdominal aorta: a round tube left of the midline just in front of the vertebral bodies, ending at the iliac bifurcation. */
export function aortaOps(rng, frame, hu) {
    const radius = rng.uniform(10, 13.5);
    const bottom = -125 + jitter(rng, 10) + frame.shift[2];
    const top = 450;
    const aorta = cylinder([frame.spineX - 16 * frame.scaleX + jitter(rng, 3), frame.spineY + frame.vertebraB + radius + 4 + jitter(rng, 1.5), (top + bottom) / 2], [radius * rng.uniform(0.95, 1.05), radius], (top - bottom) / 2, wobble(rng, 1.2, 1.2, 0));
    return [{ shape: aorta, label: labelValue('aorta'), hu: hu.aorta, within: labels('cavity', 'lung_left', 'lung_right') }];
}
