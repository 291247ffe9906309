/**
 * The files of a CLIP text-model directory (the transformers.js layout) and what uniseg reads from
 * them before transformers.js does, so every defect is reported as TEXT_ENCODER_INVALID naming
 * the directory and the file:
 *
 *   config.json             `clip_text_model` (sizes at top level) or a full `clip` config
 *                           (sizes under `text_config`, `projection_dim` at top level)
 *   tokenizer.json          Hugging Face tokenizers format (byte-level BPE for CLIP)
 *   tokenizer_config.json   special tokens, `model_max_length`
 *   onnx/text_model.onnx    fp32 text model with projection: `input_ids` → `text_embeds`
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { UnisegError } from "../errors.js";
export const CLIP_FILES = {
    config: 'config.json',
    tokenizer: 'tokenizer.json',
    tokenizerConfig: 'tokenizer_config.json',
    model: 'onnx/text_model.onnx',
};
/** CLIPTextConfig's default context, used when config.json does not say. */
const DEFAULT_CONTEXT = 77;
export function invalid(dir, file, problem, cause) {
    return new UnisegError('TEXT_ENCODER_INVALID', `text encoder ${dir}: ${file}: ${problem}`, { dir, file }, cause === undefined ? undefined : { cause });
}
const count = z.number().int().positive();
const textConfigSchema = z.object({
    vocab_size: count.optional(),
    max_position_embeddings: count.optional(),
    projection_dim: count.optional(),
});
const configSchema = textConfigSchema.extend({
    model_type: z.string().optional(),
    text_config: textConfigSchema.optional(),
    text_config_dict: textConfigSchema.optional(),
});
const tokenizerConfigSchema = z.object({
    model_max_length: z.number().positive().optional(),
    eos_token: z.unknown().refine((t) => t !== undefined && t !== null, 'required (the end-of-text token the model pools at)'),
});
function readJson(dir, file) {
    let text;
    try {
        text = readFileSync(join(dir, file), 'utf8');
    }
    catch (e) {
        throw invalid(dir, file, `cannot read (${e.message})`, e);
    }
    try {
        return JSON.parse(text);
    }
    catch (e) {
        throw invalid(dir, file, `not valid JSON (${e.message})`, e);
    }
}
function parse(dir, file, schema, value) {
    const r = schema.safeParse(value);
    if (r.success)
        return r.data;
    const issue = r.error.issues[0];
    throw invalid(dir, file, `${issue.path.join('.') || '(top level)'}: ${issue.message}`);
}
/** Checks that `dir` has every file and that the two small JSON files make sense. */
export function inspectClipDir(dirArg) {
    const dir = resolve(dirArg);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
        throw new UnisegError('TEXT_ENCODER_INVALID', `text encoder ${dir}: not a directory`, { dir });
    }
    for (const file of Object.values(CLIP_FILES)) {
        const path = join(dir, file);
        if (!existsSync(path))
            throw invalid(dir, file, 'missing (uniseg never downloads; put the converted model here)');
        if (!statSync(path).isFile() || statSync(path).size === 0)
            throw invalid(dir, file, 'not a non-empty file');
    }
    const config = parse(dir, CLIP_FILES.config, configSchema, readJson(dir, CLIP_FILES.config));
    const text = config.text_config ?? config.text_config_dict ?? config;
    const tokenizerConfig = parse(dir, CLIP_FILES.tokenizerConfig, tokenizerConfigSchema, readJson(dir, CLIP_FILES.tokenizerConfig));
    return {
        dir,
        vocabSize: text.vocab_size,
        positions: text.max_position_embeddings ?? DEFAULT_CONTEXT,
        projectionDim: config.projection_dim ?? text.projection_dim,
        tokenizerMaxLength: tokenizerConfig.model_max_length ?? Infinity,
    };
}
