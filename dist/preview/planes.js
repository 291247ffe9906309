export const VIEWS = ['axial', 'coronal', 'sagittal'];
/** The plane of `view` through LPS voxel `centre`. */
export function planeThrough(view, centre, shape, spacing) {
    const [nx, ny, nz] = shape;
    const [sx, sy, sz] = spacing;
    if (view === 'axial') {
        const k = clampIndex(centre[2], nz);
        return {
            view, slice: k, width: nx, height: ny, pixelMm: [sx, sy], edges: ['R', 'L'],
            index: (x, y) => x + nx * (y + ny * k),
            pixelOf: (v) => [v[0], v[1]],
        };
    }
    if (view === 'coronal') {
        const j = clampIndex(centre[1], ny);
        return {
            view, slice: j, width: nx, height: nz, pixelMm: [sx, sz], edges: ['R', 'L'],
            index: (x, y) => x + nx * (j + ny * (nz - 1 - y)),
            pixelOf: (v) => [v[0], nz - 1 - v[2]],
        };
    }
    const i = clampIndex(centre[0], nx);
    return {
        view, slice: i, width: ny, height: nz, pixelMm: [sy, sz], edges: ['A', 'P'],
        index: (x, y) => i + nx * (x + ny * (nz - 1 - y)),
        pixelOf: (v) => [v[1], nz - 1 - v[2]],
    };
}
function clampIndex(value, n) {
    return Math.min(n - 1, Math.max(0, Math.round(value)));
}
/** Mean voxel index of the non-zero voxels; the volume's centre when there are none. */
export function centroid(data, shape) {
    const [nx, ny] = shape;
    let n = 0;
    let si = 0;
    let sj = 0;
    let sk = 0;
    for (let p = 0; p < data.length; p++) {
        if (data[p] === 0)
            continue;
        n++;
        si += p % nx;
        sj += Math.floor(p / nx) % ny;
        sk += Math.floor(p / (nx * ny));
    }
    if (n === 0)
        return [(shape[0] - 1) / 2, (shape[1] - 1) / 2, (shape[2] - 1) / 2];
    return [si / n, sj / n, sk / n];
}
