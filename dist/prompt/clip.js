/**
 * A CLIP text encoder run by transformers.js from a local directory (clip-files.ts lists the
 * files), fully offline (offline.ts). Loading checks the directory, loads the tokenizer and the
 * ONNX model, checks that they agree, and runs one probe; every failure is TEXT_ENCODER_INVALID
 * naming the directory and the file.
 *
 * Tokenisation is done here rather than by the tokenizer's own truncation, which cuts the end of
 * the id list and with it `<|endoftext|>`, the token a CLIP text model pools at: a text longer
 * than the context keeps its first `context - 1` ids and ends with `<|endoftext|>` (as CLIP's own
 * tokenizer does with truncation), and the truncation is reported. A batch is padded on the right
 * with the pad token (`<|endoftext|>` for CLIP); with causal attention, padding after the end
 * token does not change the pooled state.
 */
import { AutoTokenizer, CLIPTextModelWithProjection, Tensor } from '@huggingface/transformers';
import { UnisegError } from "../errors.js";
import { CLIP_FILES, inspectClipDir, invalid } from "./clip-files.js";
import { applyTemplate, checkTemplate, l2normalize, TEMPLATE_SLOT } from "./encoder.js";
import { preparePrompt } from "./normalize.js";
import { lockDownTransformers, textDevice } from "./offline.js";
/** The template of the CLIP-driven universal segmentation models. */
export const CT_TEMPLATE = 'a computerized tomography of a {}';
export async function loadClipTextEncoder(dirArg, options = {}) {
    const template = checkTemplate(options.template ?? TEMPLATE_SLOT);
    const batchSize = options.batchSize ?? 32;
    const info = inspectClipDir(dirArg);
    const { dir } = info;
    lockDownTransformers();
    let tokenizer;
    try {
        tokenizer = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
    }
    catch (e) {
        throw invalid(dir, CLIP_FILES.tokenizer, `cannot be loaded as a tokenizer (${e.message})`, e);
    }
    const ids = specialIds(info, tokenizer);
    const context = Math.min(info.positions, info.tokenizerMaxLength);
    if (!(context >= 3))
        throw invalid(dir, CLIP_FILES.config, `context length ${context} is too short`);
    let model;
    try {
        model = await CLIPTextModelWithProjection.from_pretrained(dir, {
            local_files_only: true,
            dtype: 'fp32',
            device: textDevice,
            model_file_name: 'text_model',
            subfolder: 'onnx',
            // Failures reach the caller as typed errors carrying ORT's message; keep its native log quiet.
            session_options: { logSeverityLevel: 4 },
        });
    }
    catch (e) {
        throw invalid(dir, CLIP_FILES.model, `cannot be loaded (${e.message})`, e);
    }
    try {
        const session = model.sessions.model;
        if (!session.inputNames.includes('input_ids') || !session.outputNames.includes('text_embeds')) {
            throw invalid(dir, CLIP_FILES.model, `needs input "input_ids" and output "text_embeds"; has inputs [${session.inputNames}] and outputs [${session.outputNames}]`);
        }
        const inputNames = session.inputNames;
        const run = async (rows) => {
            const width = Math.max(...rows.map((r) => r.length));
            const inputIds = new BigInt64Array(rows.length * width).fill(BigInt(ids.pad));
            const mask = new BigInt64Array(rows.length * width);
            rows.forEach((r, b) => r.forEach((id, t) => ((inputIds[b * width + t] = BigInt(id)), (mask[b * width + t] = 1n))));
            const feeds = { input_ids: new Tensor('int64', inputIds, [rows.length, width]) };
            if (inputNames.includes('attention_mask'))
                feeds.attention_mask = new Tensor('int64', mask, [rows.length, width]);
            const { text_embeds } = (await model(feeds));
            const [n, d] = text_embeds.dims;
            if (text_embeds.dims.length !== 2 || n !== rows.length)
                throw new Error(`text_embeds has shape [${text_embeds.dims}]`);
            const data = text_embeds.data;
            return rows.map((_, b) => data.slice(b * d, (b + 1) * d));
        };
        // Probe: the highest id the tokenizer can produce must be a row of the model's embedding table.
        let probe;
        try {
            probe = await run([[ids.bos, ids.maxId, ids.eos]]);
        }
        catch (e) {
            throw invalid(dir, CLIP_FILES.model, `does not accept the tokenizer's ids up to ${ids.maxId} (${e.message}); tokenizer and model do not match`, e);
        }
        const dim = probe[0].length;
        if (info.projectionDim !== undefined && dim !== info.projectionDim) {
            throw invalid(dir, CLIP_FILES.model, `text_embeds has ${dim} values but config.json says projection_dim ${info.projectionDim}`);
        }
        const tokenize = (text) => {
            const all = tokenizer(text, { add_special_tokens: true, return_tensor: false }).input_ids;
            if (all.length <= context)
                return { ids: all, tokens: all.length, truncated: false };
            return { ids: [...all.slice(0, context - 1), ids.eos], tokens: all.length, truncated: true };
        };
        const prepare = (prompt) => applyTemplate(template, preparePrompt(prompt));
        let closed = false;
        const embedRaw = async (prompts) => {
            if (closed)
                throw new UnisegError('INVALID_ARGUMENT', `text encoder ${dir} is closed`);
            const texts = prompts.map(prepare);
            const rows = texts.map((text, i) => {
                const t = tokenize(text);
                if (t.truncated)
                    options.onTruncate?.({ prompt: prompts[i], text, tokens: t.tokens, kept: t.ids.length });
                return t.ids;
            });
            const out = [];
            for (let start = 0; start < rows.length; start += batchSize) {
                try {
                    out.push(...(await run(rows.slice(start, start + batchSize))));
                }
                catch (e) {
                    throw new UnisegError('INFERENCE_FAILED', `text encoder ${dir}: ${e.message}`, { dir }, { cause: e });
                }
            }
            return out;
        };
        return {
            kind: 'clip',
            dim,
            dir,
            template,
            context,
            tokenize,
            prepare,
            embedRaw,
            async embed(prompts) {
                const vectors = await embedRaw(prompts);
                return vectors.map((v, i) => l2normalize(v, `text encoder ${dir} ("${prepare(prompts[i])}")`));
            },
            async close() {
                if (closed)
                    return;
                closed = true;
                await model.dispose();
            },
        };
    }
    catch (e) {
        await model.dispose();
        throw e;
    }
}
/** Start, end and pad ids, and the highest id, checked against config.json's vocabulary size. */
function specialIds(info, tokenizer) {
    const { dir } = info;
    const bos = tokenizer.bos_token_id;
    const eos = tokenizer.eos_token_id;
    if (typeof eos !== 'number')
        throw invalid(dir, CLIP_FILES.tokenizerConfig, `eos_token ${JSON.stringify(tokenizer.eos_token)} is not in the vocabulary`);
    if (typeof bos !== 'number')
        throw invalid(dir, CLIP_FILES.tokenizerConfig, `bos_token ${JSON.stringify(tokenizer.bos_token)} is not in the vocabulary`);
    let maxId = 0;
    for (const id of tokenizer.get_vocab().values())
        maxId = Math.max(maxId, id);
    if (info.vocabSize !== undefined && maxId >= info.vocabSize) {
        throw invalid(dir, CLIP_FILES.tokenizer, `has token ids up to ${maxId} but config.json vocab_size is ${info.vocabSize}; tokenizer and model do not match`);
    }
    const pad = typeof tokenizer.pad_token_id === 'number' ? tokenizer.pad_token_id : eos;
    return { bos, eos, pad, maxId };
}
