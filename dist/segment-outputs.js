import { maskIntensity } from "./server/report.js";
export const STATISTICS_JSON = 'statistics.json';
/** statistics.json: per prompt its size and the CT's mean and standard deviation (HU) inside the mask. */
export function segmentStatistics(ct, result) {
    return {
        prompts: result.prompts.map((p) => ({ prompt: p.prompt, task: p.task, voxels: p.voxels, volume_ml: Math.round(p.volumeMl * 1000) / 1000, ...maskIntensity(ct, p.mask) })),
    };
}
/** One file name per prompt from its task, made safe for a path and unique within one directory. */
export function maskFileNames(result) {
    const used = new Map();
    return result.prompts.map((p) => {
        const base = p.task.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^\.+/, '_') || 'mask';
        const n = (used.get(base) ?? 0) + 1;
        used.set(base, n);
        return `${n === 1 ? base : `${base}_${n}`}.nii.gz`;
    });
}
