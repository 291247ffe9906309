import { CAVITY, cylinder, ellipsoid, jitter, labels } from "./frame.js";
import { labelValue } from "./labels.js";
import { rotation } from "./shapes.js";
import { ENDLESS } from "./torso.js";
/** Spine coverage (mm): wider than any plausible scan, independent of the grid. */
const SPINE_BOTTOM = -650;
const SPINE_TOP = 650;
/** Erector spinae behind the spine and the psoas beside it; both are `body` so kidneys rest against them. */
export function muscleOps(rng, frame, hu) {
    const body = labelValue('body');
    const ops = [];
    const { spineX: x, spineY: y, vertebraA: a, vertebraB: b } = frame;
    for (const side of [-1, 1]) {
        const back = cylinder([x + side * 34 * frame.scaleX, y - b - 26, 0], [24 * frame.scaleX, 20 * frame.scaleY], ENDLESS);
        ops.push({ shape: back, label: body, hu: hu.muscle, within: [CAVITY] });
        // Psoas: a spindle from the upper lumbar spine downward, diverging as it descends.
        const psoas = ellipsoid([x + side * (a + 16), y + 2, -130 + frame.shift[2] + jitter(rng, 8)], [rng.uniform(14, 18), rng.uniform(12, 16), 165], rotation(0, -side * rng.uniform(5, 10), 0));
        ops.push({ shape: psoas, label: body, hu: hu.muscle, within: [CAVITY] });
    }
    return ops;
}
export function spineOps(rng, frame, hu) {
    const vertebra = labelValue('vertebrae');
    const body = labelValue('body');
    const anywhere = labels('cavity', 'body');
    const ops = [];
    const halfHeight = rng.uniform(11, 14);
    const disc = rng.uniform(5, 8);
    let z = SPINE_BOTTOM + frame.shift[2] + rng.uniform(0, 2 * halfHeight + disc);
    while (z < SPINE_TOP) {
        // Vertebrae grow from the thorax down to the lumbar spine.
        const grow = 1 - 0.12 * Math.max(-1, Math.min(1, z / 300));
        const a = frame.vertebraA * grow * rng.uniform(0.97, 1.03);
        const b = frame.vertebraB * grow * rng.uniform(0.97, 1.03);
        const h = halfHeight * grow;
        const x = frame.spineX + jitter(rng, 0.8);
        const y = frame.spineY + jitter(rng, 0.8);
        const back = y - b;
        const shell = Math.min(2.5, 0.25 * h);
        ops.push({ shape: cylinder([x, y, z + h + disc / 2], [a * 0.97, b * 0.97], disc / 2), label: body, hu: hu.disc, within: anywhere }, { shape: cylinder([x, y, z], [a, b], h), label: vertebra, hu: hu.boneCortex, within: anywhere }, { shape: cylinder([x, y, z], [a - shell, b - shell], h - shell), hu: hu.boneCancellous, within: [vertebra] });
        for (const side of [-1, 1]) {
            ops.push({ shape: ellipsoid([x + side * 0.55 * a, back - 5, z + 2], [4.5, 8, 7]), label: vertebra, hu: hu.bonePosterior, within: anywhere }, { shape: ellipsoid([x + side * (a + 9), back - 7, z + 2], [13, 4.5, 5.5], rotation(0, 0, side * 10)), label: vertebra, hu: hu.bonePosterior, within: anywhere });
        }
        ops.push({ shape: ellipsoid([x, back - 16, z + 2], [16, 4.5, 8]), label: vertebra, hu: hu.bonePosterior, within: anywhere }, 
        // Spinous process, sloping down as it runs back.
        { shape: ellipsoid([x, back - 30, z - 4], [3.5, 13, 8], rotation(20, 0, 0)), label: vertebra, hu: hu.bonePosterior, within: anywhere });
        z += 2 * h + disc;
    }
    return ops;
}
/** Ribs: tilted elliptic hoops in the muscle wall, open at the front and beside the spine, shorter low down. */
export function ribOps(rng, frame, hu) {
    const a = frame.halfWidth - frame.fat - 0.5 * frame.muscle;
    const b = frame.halfDepth - frame.fat - 0.5 * frame.muscle;
    const tube = Math.min(rng.uniform(4, 5.5), 0.5 * frame.muscle + 2);
    const spacing = rng.uniform(24, 28);
    const tilt = rng.uniform(15, 25);
    const ops = [];
    for (let z = 25 + frame.shift[2] + rng.uniform(0, 8); z < SPINE_TOP; z += spacing) {
        // The lowest ribs are floating ribs that stop at the flank.
        const reach = Math.max(-0.3, Math.min(0.35, -0.3 + (z - 25) / 150));
        const rib = {
            kind: 'ring',
            centre: [0, frame.centreY, z],
            rotation: rotation(-tilt, 0, 0),
            radii: [a, b],
            tube,
            maxY: reach * b,
            posteriorGap: frame.vertebraA + 14,
        };
        ops.push({ shape: rib, label: labelValue('body'), hu: hu.rib, within: labels('cavity', 'body') });
    }
    return ops;
}
