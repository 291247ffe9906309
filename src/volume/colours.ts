/**
 * Distinct display colours (sRGB) for masks on grey CT, shared by preview pictures and DICOM
 * SEG/RTSTRUCT: the first entries of a widely used list of 20 distinct colours (Sasha Trubetskoy's),
 * in an order that keeps neighbours apart.
 */
export type Rgb = readonly [number, number, number];

export const DISTINCT_COLOURS: readonly Rgb[] = [
  [230, 25, 75],
  [60, 180, 75],
  [255, 225, 25],
  [0, 130, 200],
  [245, 130, 48],
  [145, 30, 180],
  [70, 240, 240],
  [240, 50, 230],
  [210, 245, 60],
  [250, 190, 212],
  [0, 128, 128],
  [220, 190, 255],
];

/** The n-th colour (0-based), repeating after the list's end. */
export function distinctColour(n: number): Rgb {
  return DISTINCT_COLOURS[n % DISTINCT_COLOURS.length];
}
