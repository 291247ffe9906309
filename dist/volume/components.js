/** Marks each voxel of `mask` (nonzero = in) with its component id (1..n) using `connectivity` neighbours. */
export function labelComponents(mask, shape, full) {
    const [nx, ny, nz] = shape;
    const labels = new Int32Array(mask.length);
    const queue = new Int32Array(mask.length);
    const sizes = [0];
    const offsets = [];
    for (let dz = -1; dz <= 1; dz++)
        for (let dy = -1; dy <= 1; dy++)
            for (let dx = -1; dx <= 1; dx++) {
                const manhattan = Math.abs(dx) + Math.abs(dy) + Math.abs(dz);
                if (manhattan > 0 && (full || manhattan === 1))
                    offsets.push([dx, dy, dz]);
            }
    for (let seed = 0; seed < mask.length; seed++) {
        if (!mask[seed] || labels[seed])
            continue;
        const id = sizes.length;
        let head = 0;
        let tail = 0;
        queue[tail++] = seed;
        labels[seed] = id;
        while (head < tail) {
            const v = queue[head++];
            const x = v % nx;
            const y = Math.floor(v / nx) % ny;
            const z = Math.floor(v / (nx * ny));
            for (const [dx, dy, dz] of offsets) {
                const X = x + dx;
                const Y = y + dy;
                const Z = z + dz;
                if (X < 0 || Y < 0 || Z < 0 || X >= nx || Y >= ny || Z >= nz)
                    continue;
                const u = X + nx * (Y + ny * Z);
                if (mask[u] && !labels[u]) {
                    labels[u] = id;
                    queue[tail++] = u;
                }
            }
        }
        sizes.push(tail);
    }
    return { labels, sizes };
}
