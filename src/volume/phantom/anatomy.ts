/**
 * The shape catalogue: one seed → an ordered list of paint steps in world RAS+ mm (+x patient's
 * Right, +y Anterior, +z Superior), with kidneys and liver near z = 0. Order is precedence: later
 * steps override earlier ones where their `within` allows, so tumours beat organs and organs beat
 * body. Nothing here looks at a voxel grid, so the anatomy is the same on every grid.
 */
import type { BodyFrame } from './frame.ts';
import { drawBodyFrame } from './frame.ts';
import { aortaOps, ivcOps, kidneyOps, liverOps, spleenOps } from './organs.ts';
import type { PaintOp } from './rasterize.ts';
import { createRng } from './rng.ts';
import { muscleOps, ribOps, spineOps } from './skeleton.ts';
import { drawTissueHu, type TissueHu } from './tissue.ts';
import { gutOps, lungOps, torsoOps } from './torso.ts';
import { tumourOps, type TumourSpec } from './tumours.ts';

export interface Anatomy {
  readonly frame: BodyFrame;
  readonly hu: TissueHu;
  readonly ops: readonly PaintOp[];
  readonly tumours: readonly TumourSpec[];
}

export function buildAnatomy(seed: number): Anatomy {
  const root = createRng(seed);
  // Every part has its own named stream: appending a structure leaves the others untouched.
  const hu = drawTissueHu(root.fork('tissue'));
  const frame = drawBodyFrame(root.fork('body'));
  const liver = liverOps(root.fork('liver'), frame, hu);
  const ivc = ivcOps(root.fork('ivc'), frame, hu);
  const kidneyLeft = kidneyOps(root.fork('kidney_left'), frame, hu, 'kidney_left');
  const kidneyRight = kidneyOps(root.fork('kidney_right'), frame, hu, 'kidney_right');
  const tumours = tumourOps(root.fork('tumours'), hu, liver, [kidneyLeft, kidneyRight], ivc.ivc);
  const ops: PaintOp[] = [
    ...torsoOps(frame, hu),
    ...lungOps(root.fork('lungs'), frame, hu),
    ...gutOps(root.fork('gut'), frame, hu),
    ...muscleOps(root.fork('muscles'), frame, hu),
    ...liver.ops,
    ...ivc.ops,
    ...spleenOps(root.fork('spleen'), frame, hu),
    ...kidneyLeft.ops,
    ...kidneyRight.ops,
    ...aortaOps(root.fork('aorta'), frame, hu),
    ...spineOps(root.fork('spine'), frame, hu),
    ...ribOps(root.fork('ribs'), frame, hu),
    ...tumours.ops,
  ];
  return { frame, hu, ops, tumours: tumours.tumours };
}
