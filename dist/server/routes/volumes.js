/**
 * POST /volumes (body: NIfTI, or a DICOM series as .zip; ?series=UID picks one)
 *   → {id, shape, spacing, orientation, expiresAt}: upload once, then
 * segment with GET /segment?volume=ID as many times as needed. DELETE /volumes/ID frees it early.
 */
import { z } from 'zod';
import { readUploadedVolume } from "../upload.js";
import { parseParams, parseQuery, seriesParam, volumeParam } from "../validate.js";
import { unknownVolume } from "./segment.js";
export function registerVolumes(app, deps) {
    const noQuery = z.strictObject({});
    const postQuery = z.strictObject({ series: seriesParam });
    const idParam = z.object({ id: volumeParam });
    app.post('/volumes', async (c) => {
        const { series } = parseQuery(c, postQuery);
        const entry = deps.store.put(await readUploadedVolume(c, deps, series));
        const { volume } = entry;
        return c.json({ id: entry.id, shape: volume.shape, spacing: volume.spacing, orientation: volume.orientation.join(''), expiresAt: new Date(entry.expiresAt).toISOString() }, 201, { location: `/volumes/${entry.id}` });
    });
    app.delete('/volumes/:id', (c) => {
        parseQuery(c, noQuery);
        const { id } = parseParams(c, idParam);
        if (!deps.store.delete(id))
            throw unknownVolume(id);
        return c.body(null, 204);
    });
}
