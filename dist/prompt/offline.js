/**
 * transformers.js, offline: local files only, no caches, and a fetch that refuses. Applied before
 * every text-model load (transformers.js keeps its settings in one global `env`, and uniseg is its
 * only user in the process).
 *
 * - `allowRemoteModels = false`, `allowLocalModels = true`: files come from the directory given;
 * - `useFSCache` / `useBrowserCache` / `useCustomCache = false`: nothing is read from or written to
 *   transformers.js's cache folder (a stale cached copy could shadow the package's files);
 * - `fetch` throws: even a code path that ignored the flags could not reach the network. In a
 *   browser, where transformers.js reads even local files through `fetch`, it answers only the
 *   files handed to `serveLocalFiles` (already fetched and checked by the page).
 */
import { env } from '@huggingface/transformers';
import { UnisegError } from "../errors.js";
let refused = 0;
let localFiles;
/** transformers.js's device for the text model: 'cpu' (onnxruntime-node), or 'wasm' in a browser. */
export let textDevice = 'cpu';
/**
 * The browser's setup: transformers.js's fetch answers these files (path → bytes), every other
 * request is still refused, and the text model runs on onnxruntime-web's WASM backend.
 */
export function useBrowserFiles(lookup) {
    localFiles = lookup;
    textDevice = 'wasm';
}
async function refuseFetch(input) {
    const local = localFiles?.(String(input));
    if (local)
        return new Response(local);
    refused++;
    throw new UnisegError('TEXT_ENCODER_INVALID', `uniseg is offline: transformers.js tried to fetch ${String(input)}`, { url: String(input) });
}
export function lockDownTransformers() {
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.useFSCache = false;
    env.useBrowserCache = false;
    env.useCustomCache = false;
    env.fetch = refuseFetch;
}
/** How many times transformers.js asked for the network in this process (always refused). */
export function refusedFetches() {
    return refused;
}
