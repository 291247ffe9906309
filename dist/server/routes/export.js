/**
 * GET /export?prompt=... → the trimmed package of that prompt (exportTask) as a tar stream:
 * model.json and the part files it names, under one folder named after the package. The export
 * is written to a temporary directory, streamed, and removed when the stream ends or is cut.
 */
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { create } from 'tar';
import { z } from 'zod';
import { exportTask } from "../../models/export.js";
import { routeLabel } from "../report.js";
import { onePromptParam, parseQuery } from "../validate.js";
export function registerExport(app, deps) {
    const query = z.strictObject({ prompt: onePromptParam });
    app.get('/export', async (c) => {
        const [prompt] = parseQuery(c, query).prompt;
        c.set('prompts', [prompt]);
        const scratch = await mkdtemp(join(tmpdir(), 'uniseg-export-stream-'));
        const cleanup = () => rm(scratch, { recursive: true, force: true });
        let name;
        try {
            const report = await exportTask(deps.model, prompt, join(scratch, 'package'));
            c.set('routes', [routeLabel(report.route)]);
            name = `${deps.model.manifest.name}-${report.task}`.replace(/[^A-Za-z0-9_.-]/g, '_');
            await rename(report.dir, join(scratch, name));
        }
        catch (error) {
            await cleanup();
            throw error;
        }
        // node-tar's stream is a minipass stream: Readable.from adapts it for Readable.toWeb.
        const tar = Readable.from(create({ cwd: scratch, portable: true }, [name]));
        tar.on('close', cleanup);
        return new Response(Readable.toWeb(tar), {
            headers: { 'content-type': 'application/x-tar', 'content-disposition': `attachment; filename="${name}.tar"` },
        });
    });
}
