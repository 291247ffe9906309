/**
 * renderPreview(ct, layers): a PNG a person can judge at a glance. Each layer (a prompt's mask)
 * gets a row of axial, coronal and sagittal slices through its mask centre, in a CT window suited
 * to the structure; every layer is drawn on every slice in its own colour (a translucent fill and
 * a solid outline), with orientation letters and a legend of names and volumes. Pixels are built
 * here at one pixel per voxel; sharp scales them to millimetre-true size, draws the text and
 * encodes the PNG.
 */
import sharp from 'sharp';
import { UnisegError } from "../errors.js";
import { gridOf, sameGrid } from "../volume/grid.js";
import { applyReorient, reorientTransform } from "../volume/reorient.js";
import { layoutPreview } from "./layout.js";
import { layerColour, windowed, windowFor } from "./palette.js";
import { centroid, planeThrough, VIEWS } from "./planes.js";
import { textOverlay } from "./svg.js";
const LPS = ['L', 'P', 'S'];
const FILL_ALPHA = 0.45;
const BACKGROUND = { r: 16, g: 16, b: 16 };
export async function renderPreview(ct, layers, options = {}) {
    const panelPx = options.panelPx ?? 320;
    if (!(Number.isInteger(panelPx) && panelPx >= 32 && panelPx <= 4096)) {
        throw new UnisegError('INVALID_ARGUMENT', `preview panel size must be a whole number of pixels in [32, 4096]; got ${panelPx}`, { field: 'panelPx', value: panelPx });
    }
    const grid = gridOf(ct);
    for (const layer of layers) {
        if (!sameGrid(grid, gridOf(layer.mask))) {
            throw new UnisegError('VOLUME_INVALID', `preview: mask "${layer.name}" has shape [${layer.mask.shape}] and another affine than the CT (shape [${ct.shape}]); masks must lie on the CT's grid`, {
                layer: layer.name,
                maskShape: layer.mask.shape,
                ctShape: ct.shape,
            });
        }
    }
    const t = reorientTransform(ct.orientation, LPS);
    const image = applyReorient(ct, t);
    const masks = layers.map((l) => applyReorient(l.mask, t).data);
    const voxelMl = ct.spacing[0] * ct.spacing[1] * ct.spacing[2] / 1000;
    const colours = layers.map((_, n) => layerColour(n));
    const info = layers.map((l, n) => {
        const centre = maskCentre(masks[n], image.shape);
        return { name: l.name, colour: colours[n], volumeMl: countOn(masks[n]) * voxelMl, centre: fromLps(centre, t, ct.shape) };
    });
    const centres = layers.length > 0 ? masks.map((m) => maskCentre(m, image.shape)) : [centroid([], image.shape)];
    const windows = layers.length > 0 ? layers.map((l) => windowFor(l.name)) : [windowFor('')];
    const rows = centres.map((c) => VIEWS.map((v) => planeThrough(v, c, image.shape, image.spacing)));
    const fov = Math.max(...image.shape.map((n, d) => n * image.spacing[d]));
    const legend = info.map((l) => `${l.name} — ${l.volumeMl.toFixed(1)} ml`);
    const layout = layoutPreview(rows, legend, panelPx / fov);
    const composites = await Promise.all(layout.panels.map(async (p) => ({
        input: await sharp(drawPlane(p.plane, image.data, masks, colours, windows[p.row]), { raw: { width: p.plane.width, height: p.plane.height, channels: 3 } })
            .resize(p.width, p.height, { fit: 'fill', kernel: 'nearest' })
            .toBuffer(),
        raw: { width: p.width, height: p.height, channels: 3 },
        left: p.x,
        top: p.y,
    })));
    const png = await sharp({ create: { width: layout.width, height: layout.height, channels: 3, background: BACKGROUND } })
        .composite([...composites, { input: Buffer.from(textOverlay(layout, colours)), left: 0, top: 0 }])
        .png()
        .toBuffer();
    return {
        png,
        layout,
        layers: info,
        pixelOf(panel, ijk) {
            const p = layout.panels[panel];
            const [px, py] = p.plane.pixelOf(toLps(ijk, t, ct.shape));
            return [p.x + Math.floor(((px + 0.5) * p.width) / p.plane.width), p.y + Math.floor(((py + 0.5) * p.height) / p.plane.height)];
        },
    };
}
/** One plane at one pixel per voxel: windowed CT, each mask blended in its colour, mask outlines solid. */
function drawPlane(plane, ct, masks, colours, window) {
    const { width, height } = plane;
    const out = Buffer.alloc(width * height * 3);
    const on = (m, x, y) => x >= 0 && y >= 0 && x < width && y < height && m[plane.index(x, y)] !== 0;
    for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
            const g = windowed(ct[plane.index(x, y)], window);
            let rgb = [g, g, g];
            masks.forEach((m, n) => {
                if (!on(m, x, y))
                    return;
                const c = colours[n];
                const edge = !on(m, x - 1, y) || !on(m, x + 1, y) || !on(m, x, y - 1) || !on(m, x, y + 1);
                rgb = edge ? [c[0], c[1], c[2]] : [0, 1, 2].map((i) => Math.round(rgb[i] * (1 - FILL_ALPHA) + c[i] * FILL_ALPHA));
            });
            out.set(rgb, (y * width + x) * 3);
        }
    }
    return out;
}
/** The mask's centroid when it lies inside the mask, else the mask voxel nearest to it (curved or split structures). */
function maskCentre(mask, shape) {
    const c = centroid(mask, shape);
    const [nx, ny] = shape;
    const at = (v) => Math.round(v[0]) + nx * (Math.round(v[1]) + ny * Math.round(v[2]));
    if (mask[at(c)] !== 0 || countOn(mask) === 0)
        return c.map(Math.round);
    let best = -1;
    let bestD = Infinity;
    for (let p = 0; p < mask.length; p++) {
        if (mask[p] === 0)
            continue;
        const d = (p % nx - c[0]) ** 2 + (Math.floor(p / nx) % ny - c[1]) ** 2 + (Math.floor(p / (nx * ny)) - c[2]) ** 2;
        if (d < bestD)
            (bestD = d), (best = p);
    }
    return [best % nx, Math.floor(best / nx) % ny, Math.floor(best / (nx * ny))];
}
function countOn(mask) {
    let n = 0;
    for (let p = 0; p < mask.length; p++)
        if (mask[p] !== 0)
            n++;
    return n;
}
/** A voxel of the original volume → the same voxel of its reoriented copy. */
function toLps(ijk, t, shape) {
    return [0, 1, 2].map((d) => (t.flips[d] ? shape[t.axes[d]] - 1 - ijk[t.axes[d]] : ijk[t.axes[d]]));
}
function fromLps(lps, t, shape) {
    const out = [0, 0, 0];
    for (let d = 0; d < 3; d++)
        out[t.axes[d]] = t.flips[d] ? shape[t.axes[d]] - 1 - lps[d] : lps[d];
    return out;
}
