/** Prompts: normalisation and the text encoders (CLIP through transformers.js, name-only fallback). */
export { bigramSimilarity, normalizePrompt, orderFreeKey, preparePrompt, PROMPT_STOPWORDS } from './normalize.ts';
export {
  applyTemplate,
  cachedEncoder,
  checkTemplate,
  cosine,
  TEMPLATE_SLOT,
  type CachedTextEncoder,
  type CacheStats,
  type PromptEncoder,
  type TextEncoderKind,
} from './encoder.ts';
export { CT_TEMPLATE, loadClipTextEncoder, type ClipEncoderOptions, type ClipTextEncoder, type TokenizedText, type Truncation } from './clip.ts';
export { CLIP_FILES } from './clip-files.ts';
export { createNameEncoder, embedKey, type NameEncoderOptions } from './names.ts';
export { refusedFetches } from './offline.ts';
