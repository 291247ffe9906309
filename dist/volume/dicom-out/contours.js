/**
 * A mask's boundary on one slice as closed rings, by marching squares (d3-contour) at 0.5 over the
 * 0/1 slice. d3 samples pixel (i, j) at (i + 0.5, j + 0.5), so rings are shifted back by half a
 * pixel into column/row index space; a pixel centre is inside the rings (even-odd) exactly when
 * the pixel is on. Holes come out as inner rings and islands as separate polygons: all are
 * written as CLOSED_PLANAR contours, which planning systems combine by the even-odd rule.
 */
import { contours } from 'd3-contour';
export function sliceRings(data, value, columns, rows, k) {
    const perSlice = columns * rows;
    const values = new Array(perSlice);
    for (let p = 0, from = k * perSlice; p < perSlice; p++)
        values[p] = data[from + p] === value ? 1 : 0;
    const [shape] = contours().size([columns, rows]).thresholds([0.5])(values);
    const rings = [];
    for (const polygon of shape.coordinates) {
        for (const ring of polygon)
            rings.push(simplify(ring.slice(0, -1).map(([x, y]) => [x - 0.5, y - 0.5])));
    }
    return rings;
}
/** Drops points in the middle of straight runs: marching squares emits one per pixel edge. */
function simplify(ring) {
    const n = ring.length;
    if (n <= 3)
        return ring;
    return ring.filter((b, i) => {
        const a = ring[(i + n - 1) % n];
        const c = ring[(i + 1) % n];
        return Math.abs((b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0])) > 1e-9;
    });
}
