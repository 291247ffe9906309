/**
 * Synthetic abdominal CT phantoms with exact labels, for tests, benchmarks and training data.
 * The anatomy lives in world RAS+ mm; the file grid is built from orientation codes and spacing,
 * centred on the world origin, and each voxel is labelled by where its centre lands in the world.
 * So the patient's left is world −x whatever the axis order or flips of the file.
 */
import { UnisegError } from '../../errors.ts';
import { parseOrientation } from '../affine.ts';
import type { Affine, AxisCode, Orientation, Shape3, Spacing3, Volume } from '../types.ts';
import { makeVolume } from '../volume.ts';
import { buildAnatomy } from './anatomy.ts';
import { PHANTOM_LABEL_NAMES } from './labels.ts';
import { createCanvas, paint } from './rasterize.ts';
import { createRng } from './rng.ts';
import type { TumourSpec } from './tumours.ts';
import { finishCanvas } from './texture.ts';

export { PHANTOM_LABELS, PHANTOM_LABEL_NAMES, type PhantomLabel, type PhantomLabelName } from './labels.ts';
export type { TumourSpec } from './tumours.ts';

export interface PhantomOptions {
  /** Any safe integer; one seed gives byte-identical volumes for the same grid. */
  readonly seed: number;
  /** Voxels along i, j, k (default 128³). */
  readonly shape?: Shape3;
  /** Voxel size in mm along i, j, k (default 3 mm). */
  readonly spacing?: Spacing3;
  /** Axis codes such as 'RAS' or 'LPS' (default 'RAS'). */
  readonly orientation?: string | Orientation;
}

export interface Phantom {
  readonly ct: Volume<Int16Array>;
  readonly labels: Volume<Uint8Array>;
  /** value → name for every label the phantom can contain (background 0 not listed). */
  readonly labelNames: Readonly<Record<number, string>>;
  /** The tumours this seed placed (world RAS+ mm); may be empty. */
  readonly tumours: readonly TumourSpec[];
}

/** 2^28 voxels: ~800 MB of working memory; far above any sane phantom. */
const MAX_VOXELS = 2 ** 28;

function checkOptions(options: PhantomOptions): { shape: Shape3; spacing: Spacing3; orientation: Orientation } {
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

const WORLD_AXIS: Record<AxisCode, [number, number]> = { R: [0, 1], L: [0, -1], A: [1, 1], P: [1, -1], S: [2, 1], I: [2, -1] };

/**
 * Voxel → world affine for an axis-aligned grid: voxel axis d steps `spacing[d]` mm toward the
 * direction its code names, and the grid centre (index (n−1)/2) sits at the world origin.
 */
export function centredAffine(shape: Shape3, spacing: Spacing3, orientation: Orientation): Affine {
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
    for (let d = 0; d < 3; d++) t -= (m[row][d] * (shape[d] - 1)) / 2;
    m[row][3] = t + 0; // + 0 turns −0 into 0 so affines print and compare cleanly
  }
  return m;
}

export function generatePhantom(options: PhantomOptions): Phantom {
  const { shape, spacing, orientation } = checkOptions(options);
  const affine = centredAffine(shape, spacing, orientation);
  const anatomy = buildAnatomy(options.seed);
  const canvas = createCanvas(shape, affine, anatomy.hu.air);
  for (const op of anatomy.ops) paint(canvas, op);

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
