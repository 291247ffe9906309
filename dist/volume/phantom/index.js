/**
 * Synthetic abdominal CT phantoms with exact labels, for tests, benchmarks and training data.
 * The anatomy lives in world RAS+ mm; the file grid is built from orientation codes and spacing,
 * centred on the world origin, and each voxel is labelled by where its centre lands in the world.
 * So the patient's left is world −x whatever the axis order or flips of the file.
 */
import { UnisegError } from "../../errors.js";
import { parseOrientation } from "../affine.js";
import { makeVolume } from "../volume.js";
import { buildAnatomy } from "./anatomy.js";
import { PHANTOM_LABEL_NAMES } from "./labels.js";
import { createCanvas, paint } from "./rasterize.js";
import { createRng } from "./rng.js";
import { finishCanvas } from "./texture.js";
export { PHANTOM_LABELS, PHANTOM_LABEL_NAMES } from "./labels.js";
/** 2^28 voxels: ~800 MB of working memory; far above any sane phantom. */
const MAX_VOXELS = 2 ** 28;
function checkOptions(options) {
    if (!Number.isSafeInteger(options.seed)) {
        throw new UnisegError('INVALID_ARGUMENT', `phantom seed must be a safe integer; got ${options.seed}`, { field: 'seed', value: options.seed });
    }
    const shape = options.shape ?? [128, 128, 128];
    if (shape.length !== 3 || !shape.every((n) => Number.isInteger(n) && n > 0)) {
        throw new UnisegError('INVALID_ARGUMENT', `phantom shape must be three positive integers; got [${shape.join(', ')}]`, { field: 'shape', value: shape });
    }
    if (shape[0] * shape[1] * shape[2] > MAX_VOXELS) {
        throw new UnisegError('INVALID_ARGUMENT', `phantom shape [${shape.join(', ')}] has more than ${MAX_VOXELS} voxels`, { field: 'shape', value: shape, limit: MAX_VOXELS });
    }
    const spacing = options.spacing ?? [3, 3, 3];
    if (spacing.length !== 3 || !spacing.every((s) => Number.isFinite(s) && s > 0)) {
        throw new UnisegError('INVALID_ARGUMENT', `phantom spacing must be three positive finite millimetre values; got [${spacing.join(', ')}]`, {
            field: 'spacing',
            value: spacing,
        });
    }
    const given = options.orientation ?? 'RAS';
    const orientation = typeof given === 'string' ? parseOrientation(given) : parseOrientation(given.join(''));
    return { shape, spacing, orientation };
}
const WORLD_AXIS = { R: [0, 1], L: [0, -1], A: [1, 1], P: [1, -1], S: [2, 1], I: [2, -1] };
/**
 * Voxel → world affine for an axis-aligned grid: voxel axis d steps `spacing[d]` mm toward the
 * direction its code names, and the grid centre (index (n−1)/2) sits at the world origin.
 */
export function centredAffine(shape, spacing, orientation) {
    const m = [
        [0, 0, 0, 0],
        [0, 0, 0, 0],
        [0, 0, 0, 0],
        [0, 0, 0, 1],
    ];
    for (let d = 0; d < 3; d++) {
        const [axis, sign] = WORLD_AXIS[orientation[d]];
        m[axis][d] = sign * spacing[d];
    }
    for (let row = 0; row < 3; row++) {
        let t = 0;
        for (let d = 0; d < 3; d++)
            t -= (m[row][d] * (shape[d] - 1)) / 2;
        m[row][3] = t + 0; // + 0 turns −0 into 0 so affines print and compare cleanly
    }
    return m;
}
export function generatePhantom(options) {
    const { shape, spacing, orientation } = checkOptions(options);
    const affine = centredAffine(shape, spacing, orientation);
    const anatomy = buildAnatomy(options.seed);
    const canvas = createCanvas(shape, affine, anatomy.hu.air);
    for (const op of anatomy.ops)
        paint(canvas, op);
    // Noise streams are separate from the anatomy streams: the grid changes how much noise is drawn, never the anatomy.
    const root = createRng(options.seed);
    const sigma = root.fork('noise_level').uniform(10, 18);
    finishCanvas(canvas, { spacing, sigma, textureRng: root.fork('texture'), noiseRng: root.fork('noise') });
    return {
        ct: makeVolume(canvas.hu, shape, affine),
        labels: makeVolume(canvas.labels, shape, affine),
        labelNames: { ...PHANTOM_LABEL_NAMES },
        tumours: anatomy.tumours,
    };
}
