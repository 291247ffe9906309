import { DEFAULT_MODEL_DIR } from "../../models/default-model.js";
import { createSelectionLogger } from "../../pathways/log.js";
import { DEFAULT_HOST, DEFAULT_LIMITS, DEFAULT_PORT, startServer } from "../../server/index.js";
import { parseInteger, parseNumber } from "../options.js";
const MB = 1024 * 1024;
const mb = (bytes) => String(bytes / MB);
const seconds = (ms) => String(ms / 1000);
function parseLimits(flags) {
    const megabytes = (flag, text) => Math.floor(parseNumber(flag, text, { min: 0, exclusiveMin: true }) * MB);
    const milliseconds = (flag, text) => Math.round(parseNumber(flag, text, { min: 0, exclusiveMin: true }) * 1000);
    return {
        ...DEFAULT_LIMITS,
        maxUploadBytes: megabytes('--max-upload-mb', flags.maxUploadMb),
        maxVoxels: parseInteger('--max-voxels', flags.maxVoxels, { min: 1 }),
        maxDecompressedBytes: megabytes('--max-decompressed-mb', flags.maxDecompressedMb),
        timeoutMs: milliseconds('--timeout-s', flags.timeoutS),
        queue: parseInteger('--queue', flags.queue, { min: 0, max: 10_000 }),
        storeBytes: megabytes('--store-mb', flags.storeMb),
        storeEntries: parseInteger('--store-entries', flags.storeEntries, { min: 1, max: 100_000 }),
        storeTtlMs: milliseconds('--store-ttl-s', flags.storeTtlS),
    };
}
export function registerServe(program) {
    const d = DEFAULT_LIMITS;
    program
        .command('serve')
        .description('run the HTTP service: POST /segment, POST /volumes, GET /segment, /pathways, /resolve, /health')
        .option('-m, --model <dir>', 'model package directory', DEFAULT_MODEL_DIR)
        .option('--host <address>', 'address to listen on', DEFAULT_HOST)
        .option('--port <n>', 'port to listen on (0: any free port, printed at start)', String(DEFAULT_PORT))
        .option('--token <secret>', 'require "authorization: Bearer <secret>" on every route but /health (default: $UNISEG_TOKEN, else none)', process.env.UNISEG_TOKEN)
        .option('--max-upload-mb <mb>', 'largest request body, counted while it streams in', mb(d.maxUploadBytes))
        .option('--max-voxels <n>', 'largest CT in voxels (checked from the header before allocating)', String(d.maxVoxels))
        .option('--max-decompressed-mb <mb>', 'largest decompressed size of a .nii.gz upload', mb(d.maxDecompressedBytes))
        .option('--timeout-s <s>', 'per-request deadline: upload, queue wait and inference', seconds(d.timeoutMs))
        .option('--queue <n>', 'jobs that may wait behind the running one; more get 429', String(d.queue))
        .option('--store-mb <mb>', 'memory for volumes kept by POST /volumes (least recently used go first)', mb(d.storeBytes))
        .option('--store-entries <n>', 'most volumes kept by POST /volumes', String(d.storeEntries))
        .option('--store-ttl-s <s>', 'how long a stored volume lives after its upload', seconds(d.storeTtlMs))
        .option('--threads <n>', 'ONNX Runtime threads (default: all cores)')
        .option('--log <file>', 'request and selection log, JSON lines: a file, "-" for stdout (default: stderr)')
        .option('--no-log', 'no log')
        .addHelpText('after', `
Examples:
  $ uniseg serve --model ./my-package --port 8080
  $ uniseg serve --token s3cret --max-upload-mb 256 --queue 8 --log server.log
  $ curl -s --data-binary @ct.nii.gz -H 'content-type: application/octet-stream' \\
      'http://127.0.0.1:8080/segment?prompt=left%20kidney' -o kidney.nii.gz`)
        .action(async (flags) => {
        const limits = parseLimits(flags);
        const port = parseInteger('--port', flags.port, { min: 0, max: 65535 });
        const threads = flags.threads === undefined ? undefined : parseInteger('--threads', flags.threads, { min: 1, max: 256 });
        const logger = flags.log === false ? undefined : createSelectionLogger(typeof flags.log === 'string' ? flags.log : 'stderr');
        const token = flags.token === undefined || flags.token === '' ? undefined : flags.token;
        const running = await startServer({ model: flags.model, host: flags.host, port, threads, limits, token, logger });
        // Signal handlers first: whoever reads "listening" may stop the server at once (a test, a
        // supervisor, a user's Ctrl-C), and a signal before them would kill it without draining.
        const stopped = new Promise((resolve) => {
            const stop = (signal) => {
                process.off('SIGTERM', stop).off('SIGINT', stop);
                process.once('SIGTERM', () => process.exit(1)).once('SIGINT', () => process.exit(1));
                process.stderr.write(`uniseg serve: ${signal}: finishing requests in progress, then exiting\n`);
                logger?.info({ signal }, 'shutting down');
                running.close().then(resolve, resolve);
            };
            process.on('SIGTERM', stop).on('SIGINT', stop);
        });
        process.stderr.write(`uniseg serve: listening on ${running.url} (model ${running.model.manifest.name}, queue ${limits.queue}, upload limit ${mb(limits.maxUploadBytes)} MB${token ? ', token required' : ''})\n`);
        await stopped;
        process.stderr.write('uniseg serve: stopped\n');
    });
}
