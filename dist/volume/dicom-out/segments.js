import { codeSegment } from "./coding.js";
/** DICOM LO holds 64 characters. */
export const lo = (text) => (text.length <= 64 ? text : `${text.slice(0, 63)}…`);
export function outputSegments(masks) {
    const segments = [];
    for (const m of masks) {
        const labels = Object.entries(m.labels).sort((a, b) => a[1] - b[1]);
        for (const [name, value] of labels) {
            const several = labels.length > 1;
            const [nx, ny, nz] = m.mask.shape;
            const perSlice = nx * ny;
            const sliceVoxels = new Array(nz).fill(0);
            const data = m.mask.data;
            for (let k = 0; k < nz; k++) {
                let count = 0;
                for (let p = k * perSlice, end = p + perSlice; p < end; p++)
                    if (data[p] === value)
                        count++;
                sliceVoxels[k] = count;
            }
            const voxels = sliceVoxels.reduce((a, b) => a + b, 0);
            const coding = codeSegment(several ? [name, m.task, m.prompt] : [m.task, name, m.prompt]);
            const what = `prompt "${m.prompt}" -> task ${m.task}${several ? `, label ${name} (value ${value})` : ''}`;
            segments.push({
                number: segments.length + 1,
                label: lo(several ? `${m.prompt}: ${name}` : m.prompt),
                description: voxels === 0 ? `EMPTY: no voxel found for ${what}` : what,
                coding,
                data,
                value,
                sliceVoxels,
                voxels,
            });
        }
    }
    return segments;
}
