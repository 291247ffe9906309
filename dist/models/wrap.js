/**
 * `uniseg wrap`: turns one ONNX segmentation network (image [1, 1, D, H, W] → logits
 * [1, C, D, H, W]) into a package: the network becomes the single part `net`, and each label
 * becomes a task whose prompt is the label's name. The package directory is written under a
 * temporary name and renamed at the end, so a failure never leaves a half-written package.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { UnisegError } from "../errors.js";
import { MANIFEST_FORMAT } from "./manifest.js";
import { MANIFEST_FILE, parseManifest, sha256 } from "./package.js";
import { checkNewDirectory, writePackageDirectory } from "./package-dir.js";
export async function wrapOnnx(options) {
    const out = resolve(options.out);
    await checkNewDirectory(out);
    const bytes = await readOnnx(options.onnx);
    const { input, output } = await inspect(bytes, options);
    const tasks = [...options.labels].map(([value, label]) => ({
        name: label,
        prompt: label,
        aliases: label.includes('_') ? [label.replace(/_/g, ' ')] : [],
        route: { kind: 'fixed' },
        output: { tensor: output, channels: [options.activation === 'softmax' ? value : value - 1] },
        labels: { [label]: 1 },
        activation: options.activation,
        threshold: 0.5,
    }));
    const manifest = {
        format: MANIFEST_FORMAT,
        name: options.name ?? basename(out).replace(/[^A-Za-z0-9_.-]/g, '_'),
        description: `wrapped from ${basename(options.onnx)}`,
        input: { tensor: input },
        preprocess: { orientation: options.orientation, spacing: [...options.spacing], intensity: options.intensity, axes: options.axes },
        inference: { roi: [...options.roi], overlap: 0.5, sigmaScale: 0.125, batchSize: 1, padValue: 0 },
        parts: { net: { file: 'net.onnx', sha256: sha256(bytes), inputs: [input], outputs: [output] } },
        tasks,
    };
    parseManifest(manifest, 'wrapped manifest');
    await writePackageDirectory(out, async (staging) => {
        await writeFile(join(staging, 'net.onnx'), bytes);
        await writeFile(join(staging, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    });
    return { dir: out, manifest };
}
async function readOnnx(path) {
    try {
        return await readFile(path);
    }
    catch (error) {
        throw new UnisegError('FILE_NOT_FOUND', `cannot read ONNX file ${path} (${error.code})`, { field: 'onnx', value: path });
    }
}
/** Opens the network once to learn its tensor names and check its shapes against the options. */
async function inspect(bytes, options) {
    let session;
    try {
        session = await ort.InferenceSession.create(bytes);
    }
    catch (error) {
        throw new UnisegError('MODEL_PART_INVALID', `${options.onnx} is not a loadable ONNX model: ${error.message}`, { field: 'onnx', value: options.onnx });
    }
    try {
        if (session.inputNames.length !== 1 || session.outputNames.length < 1) {
            throw new UnisegError('MODEL_TENSOR_MISMATCH', `${options.onnx} must have exactly one input (it has ${session.inputNames.length}: ${session.inputNames.join(', ')})`, {
                inputs: session.inputNames,
            });
        }
        const meta = session.inputMetadata[0];
        if (meta.isTensor && meta.shape.length > 0) {
            const shape = meta.shape;
            const spatial = options.axes === 'xyz' ? options.roi : [options.roi[2], options.roi[1], options.roi[0]];
            const fixedMismatch = shape.slice(2).some((d, i) => typeof d === 'number' && d !== spatial[i]);
            if (shape.length !== 5 || (typeof shape[1] === 'number' && shape[1] !== 1) || fixedMismatch) {
                throw new UnisegError('MODEL_TENSOR_MISMATCH', `${options.onnx} input "${session.inputNames[0]}" has shape [${shape.join(', ')}]; expected [N, 1, ${spatial.join(', ')}] for --roi ${options.roi.join(',')} with --axes ${options.axes}`, {
                    shape,
                    roi: options.roi,
                });
            }
        }
        return { input: session.inputNames[0], output: session.outputNames[0] };
    }
    finally {
        await session.release();
    }
}
