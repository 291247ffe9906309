/**
 * Which objects of a folder or zip make the CT: group image objects by SeriesInstanceUID, leave
 * out what is not a CT image (SEG, RTSTRUCT, SR and other derived objects, localizers, files that
 * are not DICOM) saying so, and pick the series asked for or else the CT series with the most
 * slices, saying which and what else there was.
 */
import { UnisegError } from "../../errors.js";
/** Modalities of objects that are not images of the patient, whatever pixel data they carry. */
const NOT_IMAGES = new Set(['SEG', 'RTSTRUCT', 'RTPLAN', 'RTDOSE', 'RTRECORD', 'RTIMAGE', 'SR', 'PR', 'KO', 'REG', 'RWV', 'DOC', 'PLAN', 'FID']);
export function emptySkipped() {
    return { notDicom: [], objects: new Map(), localizers: 0 };
}
/** True when the object is an image slice worth a full header; otherwise records why it is left out. */
export function keepObject(summary, skipped) {
    const kind = NOT_IMAGES.has(summary.modality) ? summary.modality : summary.hasPixels ? undefined : `${summary.modality || 'unknown-modality'} without pixel data`;
    if (kind) {
        skipped.objects.set(kind, (skipped.objects.get(kind) ?? 0) + 1);
        return false;
    }
    if (summary.imageType.includes('LOCALIZER')) {
        skipped.localizers++;
        return false;
    }
    return true;
}
export function selectSeries(where, slices, skipped, wanted) {
    const groups = new Map();
    for (const s of slices) {
        const group = groups.get(s.seriesInstanceUID) ?? [];
        group.push(s);
        groups.set(s.seriesInstanceUID, group);
    }
    const listing = [...groups.entries()].sort((a, b) => b[1].length - a[1].length);
    const describe = ([uid, group]) => `${uid} (${group[0].modality || 'no modality'}, ${group.length} slice${group.length === 1 ? '' : 's'}${group[0].seriesDescription ? `, "${group[0].seriesDescription}"` : ''})`;
    const notes = skippedNotes(skipped);
    const found = listing.length === 0 ? 'no image series' : `image series ${listing.map(describe).join('; ')}`;
    if (wanted !== undefined) {
        const group = groups.get(wanted);
        if (!group) {
            throw new UnisegError('DICOM_NO_SERIES', `${where}: no image series ${wanted}; found ${found}${notes.length ? ` (${notes.join('; ')})` : ''}`, {
                file: where,
                series: wanted,
                available: listing.map(([uid, group]) => ({ seriesInstanceUID: uid, modality: group[0].modality, slices: group.length })),
            });
        }
        return { series: wanted, slices: group, notes: [`read series ${describe([wanted, group])} as asked`, ...notes] };
    }
    const cts = listing.filter(([, group]) => group[0].modality === 'CT');
    if (cts.length === 0) {
        throw new UnisegError('DICOM_NO_SERIES', `${where}: no CT series to read; found ${found}${notes.length ? ` (${notes.join('; ')})` : ''}. Pick an image series with --series UID`, {
            file: where,
            available: listing.map(([uid, group]) => ({ seriesInstanceUID: uid, modality: group[0].modality, slices: group.length })),
        });
    }
    const chosen = cts[0];
    const others = listing.filter(([uid]) => uid !== chosen[0]);
    const pick = others.length === 0
        ? `read series ${describe(chosen)}`
        : `read series ${describe(chosen)}, the CT series with the most slices; also found ${others.map(describe).join('; ')}: pick one with --series UID`;
    return { series: chosen[0], slices: chosen[1], notes: [pick, ...notes] };
}
function skippedNotes(skipped) {
    const notes = [];
    if (skipped.objects.size > 0) {
        notes.push(`skipped ${[...skipped.objects.entries()].map(([kind, n]) => `${n} ${kind} object${n === 1 ? '' : 's'}`).join(', ')}`);
    }
    if (skipped.localizers > 0)
        notes.push(`skipped ${skipped.localizers} localizer image${skipped.localizers === 1 ? '' : 's'} (ImageType LOCALIZER)`);
    if (skipped.notDicom.length > 0) {
        const n = skipped.notDicom.length;
        notes.push(`skipped ${n} file${n === 1 ? '' : 's'} that ${n === 1 ? 'is' : 'are'} not DICOM (${skipped.notDicom.slice(0, 3).join(', ')}${n > 3 ? ', ...' : ''})`);
    }
    return notes;
}
