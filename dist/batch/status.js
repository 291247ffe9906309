/**
 * `uniseg batch --status --queue URL`: every uniseg queue on that Redis with its job counts, and
 * per worker what it is running and how many jobs it finished or failed. BullMQ has no call that
 * lists queues, so they are found by their "meta" key (bull:<queue>:meta) with SCAN, on a plain
 * ioredis connection (opening a BullMQ Queue would itself create a queue).
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { checkReachable, connectionFromUrl, QUEUE_PREFIX } from "./queue.js";
async function queueNames(client, pattern) {
    const names = new Set();
    let cursor = '0';
    do {
        const [next, keys] = client instanceof Redis ? await client.scan(cursor, 'MATCH', `bull:${pattern}:meta`, 'COUNT', 1000) : await client.scan(cursor, { MATCH: `bull:${pattern}:meta`, COUNT: 1000 });
        cursor = next;
        for (const key of keys)
            names.add(key.slice('bull:'.length, -':meta'.length));
    } while (cursor !== '0');
    return [...names].sort();
}
/** Queues of other versions of this package (same name, another SHA-256) with their waiting jobs. */
export async function otherPackageQueues(client, packageName, own) {
    const sibling = own.slice(0, own.lastIndexOf('.') + 1);
    const names = (await queueNames(client, `${sibling}*`)).filter((n) => n !== own && !n.slice(sibling.length).includes('.'));
    return Promise.all(names.map(async (name) => ({ name, waiting: await client.llen(`bull:${name}:wait`) })));
}
async function stateOf(queue) {
    const counts = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed');
    const [active, completed, failed, clients] = await Promise.all([queue.getActive(), queue.getCompleted(0, -1), queue.getFailed(0, -1), queue.getWorkers()]);
    const workers = new Map();
    const get = (name, address = '') => {
        let w = workers.get(name);
        if (!w)
            workers.set(name, (w = { address, active: [], done: 0, failed: 0 }));
        return w;
    };
    for (const c of clients)
        get(c.rawname?.split(':w:')[1] ?? c.name, c.addr);
    for (const job of active)
        get(job.processedBy ?? '?').active.push(job.data.id);
    for (const job of completed)
        get(job.processedBy ?? '?').done++;
    for (const job of failed)
        get(job.processedBy ?? '?').failed++;
    return {
        name: queue.name,
        waiting: counts.waiting + counts.prioritized,
        active: counts.active,
        delayed: counts.delayed,
        done: counts.completed,
        failed: counts.failed,
        workers: [...workers].map(([name, w]) => ({ name, ...w })),
    };
}
export async function queueStatus(url) {
    await checkReachable(url);
    const connection = connectionFromUrl(url);
    const probe = new Redis(connection);
    probe.on('error', () => undefined);
    try {
        const names = await queueNames(probe, `${QUEUE_PREFIX}*`);
        return await Promise.all(names.map(async (name) => {
            const queue = new Queue(name, { connection });
            try {
                return await stateOf(queue);
            }
            finally {
                await queue.close();
            }
        }));
    }
    finally {
        probe.disconnect();
    }
}
