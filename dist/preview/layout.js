export const MARGIN = 10;
const GAP = 6;
const LINE = 22;
const SWATCH = 14;
/** Room for a legend line's text: DejaVu Sans at 14 px is at most ~9 px per character. */
const CHAR_PX = 9;
/** `rows[r]` holds the three planes of row r; `scale` is output pixels per millimetre. */
export function layoutPreview(rows, legendTexts, scale) {
    const panels = [];
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
