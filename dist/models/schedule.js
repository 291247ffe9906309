export function describeSchedule(prompts, out, how) {
    if (!('schedule' in out)) {
        const all = Array.from({ length: out.windows }, (_, i) => i);
        return { mode: 'exact', skipAir: false, locate: false, grid: out.windows, run: out.windows, skippedAir: 0, coarse: [], prompts: prompts.map((prompt) => ({ prompt, box: null, windows: all })) };
    }
    const s = out.schedule;
    const toVolume = (v) => (how.axes === 'xyz' ? [...v] : [v[2], v[1], v[0]]);
    return {
        mode: 'fast',
        skipAir: how.skipAir,
        locate: how.locate,
        grid: s.grid,
        run: out.windows,
        skippedAir: s.skippedAir,
        coarse: s.coarse,
        prompts: prompts.map((prompt, i) => {
            const { box, windows } = s.targets[i];
            if (!box || !how.locate)
                return { prompt, box: null, windows };
            const start = box.lo.map((v, d) => Math.max(0, v - s.padBefore[d]));
            const end = box.hi.map((v, d) => Math.min(s.dims[d], v - s.padBefore[d]));
            return { prompt, box: { start: toVolume(start), end: toVolume(end) }, windows };
        }),
    };
}
