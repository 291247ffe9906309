/**
 * ONNX parts behind one small interface, so the executor does not know where parts come from or
 * how they run. The onnxruntime-node implementation creates one session per part lazily, checks
 * its tensor names against the manifest, counts runs and time, and releases every session on close.
 */
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import { warnWithoutHugePages } from '../../bin/huge-pages.mjs';
import { UnisegError } from "../errors.js";
export class OrtParts {
    parts;
    readPart;
    options;
    stats = { runs: {}, runMs: 0 };
    sessions = new Map();
    closed = false;
    constructor(parts, 
    /** Reads a part's bytes (already verified by the loader). */
    readPart, options = {}) {
        this.parts = parts;
        this.readPart = readPart;
        this.options = options;
    }
    async run(name, feeds) {
        const part = this.parts[name];
        const session = await this.session(name);
        const inputs = {};
        part.inputs.forEach((tensor, i) => {
            inputs[tensor] = new ort.Tensor('float32', feeds[i].data, feeds[i].dims);
        });
        const started = performance.now();
        let result;
        try {
            result = await session.run(inputs);
        }
        catch (error) {
            throw new UnisegError('INFERENCE_FAILED', `part "${name}" failed to run: ${error.message}`, {
                part: name,
                inputs: part.inputs.map((t, i) => ({ tensor: t, dims: feeds[i].dims })),
            }, { cause: error });
        }
        this.stats.runMs += performance.now() - started;
        this.stats.runs[name] = (this.stats.runs[name] ?? 0) + 1;
        return part.outputs.map((tensor) => {
            const out = result[tensor];
            if (out.type !== 'float32') {
                throw new UnisegError('MODEL_TENSOR_MISMATCH', `part "${name}" output "${tensor}" is ${out.type}, expected float32`, { part: name, tensor });
            }
            return { data: out.data, dims: out.dims };
        });
    }
    resetStats() {
        for (const key of Object.keys(this.stats.runs))
            delete this.stats.runs[key];
        this.stats.runMs = 0;
    }
    /** Creates (once) and returns the session of a part. */
    session(name) {
        if (this.closed)
            throw new UnisegError('INFERENCE_FAILED', 'the model was closed', { part: name });
        let session = this.sessions.get(name);
        if (!session) {
            session = this.create(name);
            this.sessions.set(name, session);
            // A failed creation must not stay cached as a rejected promise.
            session.catch(() => this.sessions.delete(name));
        }
        return session;
    }
    async create(name) {
        warnWithoutHugePages();
        const part = this.parts[name];
        const bytes = await this.readPart(name);
        let session;
        try {
            session = await ort.InferenceSession.create(bytes, {
                intraOpNumThreads: this.options.threads ?? availableParallelism(),
                interOpNumThreads: 1,
                executionMode: 'sequential',
                graphOptimizationLevel: 'all',
                // Without the arena a session's working memory goes back after each run instead of staying
                // reserved per session at its peak (rounded up to a power of two): with one session per part
                // that was most of uniseg's RSS (SwinUNETR at 64^3: 1.2 GB -> 0.8 GB, `npm run bench -- speed`).
                // Each run then maps its large tensors afresh; transparent huge pages keep that cheap
                // (bin/huge-pages.mjs: without them page faults were 85 % of an encoder window).
                enableCpuMemArena: false,
                // Idle worker threads sleep rather than spin: parts are many short runs, and on a shared
                // machine spinning threads take the cores the running op needs.
                extra: { session: { 'intra_op.allow_spinning': '0' } },
            });
        }
        catch (error) {
            throw new UnisegError('MODEL_PART_INVALID', `part "${name}" (${part.file}) is not a loadable ONNX model: ${error.message}`, {
                part: name,
                file: part.file,
            }, { cause: error });
        }
        const missing = [
            ...part.inputs.filter((t) => !session.inputNames.includes(t)).map((t) => `input "${t}"`),
            ...part.outputs.filter((t) => !session.outputNames.includes(t)).map((t) => `output "${t}"`),
        ];
        if (missing.length > 0) {
            await session.release();
            throw new UnisegError('MODEL_TENSOR_MISMATCH', `part "${name}" (${part.file}) has no ${missing.join(', ')}; the ONNX graph has inputs [${session.inputNames.join(', ')}] and outputs [${session.outputNames.join(', ')}]`, {
                part: name,
                file: part.file,
                missing,
                onnxInputs: session.inputNames,
                onnxOutputs: session.outputNames,
            });
        }
        return session;
    }
    async release() {
        this.closed = true;
        const sessions = [...this.sessions.values()];
        this.sessions.clear();
        await Promise.all(sessions.map(async (s) => (await s.catch(() => undefined))?.release()));
    }
}
