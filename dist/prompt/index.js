/** Prompts: normalisation and the text encoders (CLIP through transformers.js, name-only fallback). */
export { bigramSimilarity, normalizePrompt, orderFreeKey, preparePrompt, PROMPT_STOPWORDS } from "./normalize.js";
export { applyTemplate, cachedEncoder, checkTemplate, cosine, TEMPLATE_SLOT, } from "./encoder.js";
export { CT_TEMPLATE, loadClipTextEncoder } from "./clip.js";
export { CLIP_FILES } from "./clip-files.js";
export { createNameEncoder, embedKey } from "./names.js";
export { refusedFetches } from "./offline.js";
