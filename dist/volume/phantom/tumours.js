import { ellipsoid, unitBall } from "./frame.js";
import { labelValue } from "./labels.js";
import { contains, rotation, toWorld } from "./shapes.js";
const LIVER_TUMOUR_PROBABILITY = 0.85;
const KIDNEY_TUMOUR_PROBABILITY = 0.75;
/** A point inside `host` (within `depth` of its normalised radius) that avoids every shape in `avoid`; undefined if none found. */
function pickCentre(rng, host, depth, avoid) {
    for (let attempt = 0; attempt < 40; attempt++) {
        const u = unitBall(rng);
        const p = toWorld(host, [u[0] * host.radii[0] * depth, u[1] * host.radii[1] * depth, u[2] * host.radii[2] * depth]);
        if (!avoid.some((shape) => contains(shape, p)))
            return p;
    }
    return undefined;
}
function lesion(rng, centre, diameter) {
    const r = diameter / 2;
    return ellipsoid(centre, [r * rng.uniform(0.85, 1.15), r * rng.uniform(0.85, 1.15), r * rng.uniform(0.85, 1.15)], rotation(rng.uniform(0, 180), rng.uniform(0, 180), 0));
}
export function tumourOps(rng, hu, liver, kidneys, ivc) {
    const ops = [];
    const tumours = [];
    const lr = rng.fork('liver_tumor');
    if (lr.chance(LIVER_TUMOUR_PROBABILITY)) {
        const count = lr.chance(0.3) ? 2 : 1;
        // Kidneys, their fat and the IVC cut into the liver's ellipsoids: keep lesions out of them.
        const avoid = [ivc, ...kidneys.map((k) => k.capsule)];
        for (let n = 0; n < count; n++) {
            const lobe = lr.chance(0.8) ? liver.lobes[0] : liver.lobes[1];
            const diameter = lr.uniform(10, 35);
            const centre = pickCentre(lr, lobe, 0.6, avoid);
            if (!centre)
                continue;
            const shape = lesion(lr, centre, diameter);
            const value = labelValue('liver_tumor');
            ops.push({ shape, label: value, hu: hu.liverTumour, within: [labelValue('liver')] });
            // Larger lesions often have a darker necrotic centre.
            if (diameter > 25)
                ops.push({ shape: ellipsoid(centre, shape.radii.map((v) => v * 0.45), shape.rotation), hu: hu.liverTumour - 15, within: [value] });
            tumours.push({ label: 'liver_tumor', centre, diameterMm: diameter });
        }
    }
    const kr = rng.fork('kidney_tumor');
    if (kr.chance(KIDNEY_TUMOUR_PROBABILITY)) {
        const index = kr.chance(0.5) ? 0 : 1;
        const parts = kidneys[index];
        const diameter = kr.uniform(10, 35);
        const centre = pickCentre(kr, parts.kidney, 0.55, [parts.sinus]);
        if (centre) {
            const organ = index === 0 ? 'kidney_left' : 'kidney_right';
            ops.push({ shape: lesion(kr, centre, diameter), label: labelValue('kidney_tumor'), hu: hu.kidneyTumour, within: [labelValue(organ)] });
            tumours.push({ label: 'kidney_tumor', centre, diameterMm: diameter });
        }
    }
    return { ops, tumours };
}
