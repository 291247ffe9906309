/**
 * Binary-mask postprocessing on a voxel grid (i fastest): keep the largest 26-connected component
 * (MONAI KeepLargestConnectedComponent's default full connectivity) and fill holes (background
 * not 6-connected to the grid border). Labelling is in src/volume/components.ts.
 */
import { labelComponents } from "../volume/components.js";
/** The largest 26-connected component of a binary mask (ties: the first found). */
export function largestComponent(mask, shape) {
    const { labels, sizes } = labelComponents(mask, shape, true);
    let best = 0;
    for (let id = 1; id < sizes.length; id++)
        if (sizes[id] > (sizes[best] ?? 0))
            best = id;
    const out = new Uint8Array(mask.length);
    if (best === 0)
        return out;
    for (let v = 0; v < mask.length; v++)
        out[v] = labels[v] === best ? 1 : 0;
    return out;
}
/** Fills background regions enclosed by the mask (not 6-connected to the border of the grid). */
export function fillHoles(mask, shape) {
    const [nx, ny, nz] = shape;
    const background = new Uint8Array(mask.length);
    for (let v = 0; v < mask.length; v++)
        background[v] = mask[v] ? 0 : 1;
    const { labels } = labelComponents(background, shape, false);
    const outside = new Set();
    for (let z = 0; z < nz; z++)
        for (let y = 0; y < ny; y++)
            for (let x = 0; x < nx; x++) {
                if (x > 0 && y > 0 && z > 0 && x < nx - 1 && y < ny - 1 && z < nz - 1)
                    continue;
                const id = labels[x + nx * (y + ny * z)];
                if (id)
                    outside.add(id);
            }
    const out = new Uint8Array(mask.length);
    for (let v = 0; v < mask.length; v++)
        out[v] = mask[v] || (labels[v] && !outside.has(labels[v])) ? 1 : 0;
    return out;
}
