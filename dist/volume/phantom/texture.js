import { CAVITY } from "./frame.js";
import { labelValue, PHANTOM_LABELS } from "./labels.js";
import { GaussianNoise } from "./rng.js";
import { TEXTURE_AMPLITUDE } from "./tissue.js";
const HU_MIN = -1024;
const HU_MAX = 3071;
const TEXTURE_MM = 12;
/** Per-axis lattice: lattice cell and smoothstep weight for each voxel index. */
function latticeAxis(n, spacing) {
    const step = Math.max(1, TEXTURE_MM / spacing);
    const cell = new Int32Array(n);
    const weight = new Float32Array(n);
    for (let v = 0; v < n; v++) {
        const pos = v / step;
        const c = Math.floor(pos);
        const f = pos - c;
        cell[v] = c;
        weight[v] = f * f * (3 - 2 * f);
    }
    return { cells: Math.floor((n - 1) / step) + 2, cell, weight };
}
export function finishCanvas(canvas, options) {
    const [nx, ny, nz] = canvas.shape;
    const { labels, hu } = canvas;
    const body = labelValue('body');
    const amplitude = new Float32Array(256);
    for (const { name, value } of PHANTOM_LABELS)
        amplitude[value] = TEXTURE_AMPLITUDE[name];
    const ax = latticeAxis(nx, options.spacing[0]);
    const ay = latticeAxis(ny, options.spacing[1]);
    const az = latticeAxis(nz, options.spacing[2]);
    const lattice = new Float32Array(ax.cells * ay.cells * az.cells);
    for (let n = 0; n < lattice.length; n++)
        lattice[n] = options.textureRng.uniform(-1, 1);
    const plane = new Float32Array(ax.cells * ay.cells);
    const rows = new Float32Array(ay.cells * nx);
    const noise = new GaussianNoise(options.noiseRng);
    const noiseRow = new Float32Array(nx);
    const textureRow = new Float32Array(nx);
    const sigma = options.sigma;
    for (let k = 0; k < nz; k++) {
        // Lattice plane at this k.
        const kc = az.cell[k];
        const wk = az.weight[k];
        const p0 = kc * ax.cells * ay.cells;
        const p1 = p0 + ax.cells * ay.cells;
        for (let n = 0; n < plane.length; n++)
            plane[n] = lattice[p0 + n] * (1 - wk) + lattice[p1 + n] * wk;
        // Each lattice row interpolated to full resolution along i.
        for (let jc = 0; jc < ay.cells; jc++) {
            const src = jc * ax.cells;
            const dst = jc * nx;
            for (let i = 0; i < nx; i++) {
                const c = src + ax.cell[i];
                const w = ax.weight[i];
                rows[dst + i] = plane[c] * (1 - w) + plane[c + 1] * w;
            }
        }
        for (let j = 0; j < ny; j++) {
            const r0 = ay.cell[j] * nx;
            const wj = ay.weight[j];
            for (let i = 0; i < nx; i++)
                textureRow[i] = rows[r0 + i] * (1 - wj) + rows[r0 + nx + i] * wj;
            noise.fill(noiseRow, nx);
            finishRow(labels, hu, nx * (j + ny * k), nx, textureRow, noiseRow, amplitude, sigma, body);
        }
    }
}
/** One row of voxels: relabel the cavity, add texture and noise, round and clamp. */
function finishRow(labels, hu, base, nx, texture, noise, amplitude, sigma, body) {
    for (let i = 0; i < nx; i++) {
        const idx = base + i;
        let label = labels[idx];
        if (label === CAVITY) {
            label = body;
            labels[idx] = body;
        }
        // floor(x + 0.5), not Math.round: round gives −0 for small negatives, which V8 cannot keep as a
        // small integer; measured ~1.5x slower over the whole pass.
        const value = Math.floor(hu[idx] + amplitude[label] * texture[i] + sigma * noise[i] + 0.5);
        hu[idx] = value < HU_MIN ? HU_MIN : value > HU_MAX ? HU_MAX : value;
    }
}
