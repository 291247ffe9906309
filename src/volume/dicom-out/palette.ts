import { distinctColour } from '../colours.ts';

/** Display colour of a segment or ROI, cycled by its 1-based number. */
export function segmentColour(segmentNumber: number): readonly [number, number, number] {
  return distinctColour(segmentNumber - 1);
}
