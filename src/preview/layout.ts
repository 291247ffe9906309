/**
 * Where everything goes on a preview picture: one row per layer (axial, coronal and sagittal
 * through that layer's mask centre), all panels on one millimetre scale so anisotropic voxels keep
 * their true aspect, and a legend below.
 */
import type { Plane, View } from './planes.ts';

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface PanelBox extends Box {
  readonly row: number;
  readonly view: View;
  readonly plane: Plane;
}

export interface LegendEntry {
  readonly text: string;
  readonly swatch: Box;
  /** The box the entry's text is drawn in. */
  readonly label: Box;
}

export interface PreviewLayout {
  readonly width: number;
  readonly height: number;
  readonly panels: readonly PanelBox[];
  readonly legend: Box & { readonly entries: readonly LegendEntry[] };
}

export const MARGIN = 10;
const GAP = 6;
const LINE = 22;
const SWATCH = 14;
/** Room for a legend line's text: DejaVu Sans at 14 px is at most ~9 px per character. */
const CHAR_PX = 9;

/** `rows[r]` holds the three planes of row r; `scale` is output pixels per millimetre. */
export function layoutPreview(rows: readonly (readonly Plane[])[], legendTexts: readonly string[], scale: number): PreviewLayout {
  const panels: PanelBox[] = [];
  let y = MARGIN;
  let widest = 0;
  rows.forEach((planes, row) => {
    let x = MARGIN;
    let tallest = 0;
    for (const plane of planes) {
      const width = Math.max(1, Math.round(plane.width * plane.pixelMm[0] * scale));
      const height = Math.max(1, Math.round(plane.height * plane.pixelMm[1] * scale));
      panels.push({ row, view: plane.view, plane, x, y, width, height });
      x += width + GAP;
      tallest = Math.max(tallest, height);
    }
    widest = Math.max(widest, x - GAP);
    y += tallest + GAP;
  });
  const legendTop = y + GAP;
  const entries = legendTexts.map((text, n) => {
    const top = legendTop + n * LINE;
    return {
      text,
      swatch: { x: MARGIN, y: top + (LINE - SWATCH) / 2, width: SWATCH, height: SWATCH },
      label: { x: MARGIN + SWATCH + 8, y: top, width: Math.max(40, text.length * CHAR_PX), height: LINE },
    };
  });
  const legendWidth = Math.max(0, ...entries.map((e) => e.label.x + e.label.width - MARGIN));
  const legend = { x: MARGIN, y: legendTop, width: legendWidth, height: entries.length * LINE, entries };
  return {
    width: Math.max(widest, MARGIN + legendWidth) + MARGIN,
    height: legendTop + legend.height + MARGIN,
    panels,
    legend,
  };
}
