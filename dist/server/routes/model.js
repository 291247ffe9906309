/**
 * GET /pathways             → listPathways: stages, alternatives, heads, tasks
 * GET /resolve?prompt=...   → resolvePrompt: where a prompt goes and why (404 with suggestions if nowhere)
 * GET /health               → {status, model, queue: {running, waiting}, store}
 */
import { z } from 'zod';
import { listPathways } from "../../models/discovery.js";
import { resolvePrompt } from "../../models/routing.js";
import { routeLabel } from "../report.js";
import { onePromptParam, parseQuery } from "../validate.js";
export function registerModelRoutes(app, deps) {
    const noQuery = z.strictObject({});
    const resolveQuery = z.strictObject({ prompt: onePromptParam });
    // The listing never changes while the model is loaded; a failed attempt is retried next time.
    let listing;
    app.get('/pathways', async (c) => {
        parseQuery(c, noQuery);
        listing ??= listPathways(deps.model);
        listing.catch(() => (listing = undefined));
        return c.json(await listing);
    });
    app.get('/resolve', async (c) => {
        const [prompt] = parseQuery(c, resolveQuery).prompt;
        c.set('prompts', [prompt]);
        const resolution = await resolvePrompt(deps.model, prompt, { logger: deps.logger });
        const { route, pathway, head = '' } = resolution;
        c.set('routes', [routeLabel(route === 'pathway' ? { kind: 'pathway', pathway } : route === 'head' ? { kind: 'head', head } : { kind: 'fixed' })]);
        return c.json(resolution);
    });
    app.get('/health', (c) => {
        parseQuery(c, noQuery);
        return c.json({ status: 'ok', model: deps.model.manifest.name, queue: { ...deps.queue.stats, maxWaiting: deps.limits.queue }, store: deps.store.stats });
    });
}
