const round = (value, digits) => Math.round(value * 10 ** digits) / 10 ** digits;
/** `merged`: the prompts were written as one label map (the default when there are several). */
export function promptRows(result, merged = result.prompts.length > 1) {
    return result.prompts.map((p, i) => ({
        prompt: p.prompt,
        task: p.task,
        label: merged ? i + 1 : Math.max(...Object.values(p.labels)),
        labels: p.labels,
        voxels: p.voxels,
        volume_ml: round(p.volumeMl, 3),
        route: p.route,
        ...(p.located === undefined ? {} : { located: p.located }),
    }));
}
export function roundedTimings(timings) {
    return Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)]));
}
/** CT values where `mask` is non-zero; both volumes are on the same grid. */
export function maskIntensity(ct, mask) {
    let n = 0;
    let mean = 0;
    let m2 = 0;
    const values = ct.data;
    const on = mask.data;
    for (let i = 0; i < on.length; i++) {
        if (on[i] === 0)
            continue;
        // Welford: stable for large masks of similar values.
        const x = values[i];
        n++;
        const delta = x - mean;
        mean += delta / n;
        m2 += delta * (x - mean);
    }
    if (n === 0)
        return { mean_hu: null, std_hu: null };
    return { mean_hu: round(mean, 2), std_hu: round(Math.sqrt(m2 / n), 2) };
}
/** "fixed", "pathway 1,3" or "head Organs": one short string per prompt, for logs and text output. */
export function routeLabel(route) {
    if (route.kind === 'pathway')
        return `pathway ${route.pathway.join(',')}`;
    if (route.kind === 'head')
        return `head ${route.head}`;
    return 'fixed';
}
