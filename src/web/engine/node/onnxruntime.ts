/**
 * onnxruntime-node's place in the browser: onnxruntime-web, the same build transformers.js loads
 * (one runtime in the tab), with its WebAssembly served by our server (/assets/ort/), never a CDN.
 * Both implement onnxruntime-common's InferenceSession/Tensor interface, so src/models/parts.ts runs
 * unchanged. WASM always works; WebGPU is asked for first when the browser offers it.
 */
import * as ort from 'onnxruntime-web/webgpu';

export * from 'onnxruntime-web/webgpu';

ort.env.wasm.wasmPaths = new URL('/assets/ort/', location.href).href;

const providers = () => ('gpu' in navigator ? ['webgpu', 'wasm'] : ['wasm']);

export const InferenceSession = {
  create(bytes: Uint8Array, options: ort.InferenceSession.SessionOptions = {}) {
    return ort.InferenceSession.create(bytes, { executionProviders: providers(), ...options });
  },
};
