/**
 * In-browser mode: the scan is read and segmented in this tab by the engine itself (the same
 * src/volume and src/models code as in Node, on onnxruntime-web); the package is fetched once,
 * checked, and kept. No request carries the scan.
 */
import { loadModel, type Model } from '../../models/package.ts';
import { segmentWithModel } from '../../models/segment.ts';
import { useBrowserFiles } from '../../prompt/offline.ts';
import { encodeVolume } from '../../volume/nifti/encode.ts';
import { readVolume } from '../../volume/nifti/read.ts';
import type { Volume } from '../../volume/types.ts';
import type { Api } from '../page/api.ts';
import { routeText, type Progress, type PromptOutcome, type Runner } from '../page/runner.ts';
import { fetchPackage, type PackageListing } from './fetch-package.ts';
import { fileAt, PACKAGE_ROOT } from './files.ts';
import { gunzipBounded, isGzip } from './gunzip.ts';

export class BrowserRunner implements Runner {
  private ct?: Volume;
  private model?: Promise<Model>;

  constructor(
    private readonly api: Api,
    private readonly listing: PackageListing,
  ) {}

  async load(file: File): Promise<void> {
    this.ct = undefined;
    const bytes = new Uint8Array(await file.arrayBuffer());
    this.ct = await readVolume(isGzip(bytes) ? gunzipBounded(bytes, file.name) : bytes);
  }

  async run(prompts: readonly string[], progress: Progress, onResult: (outcome: PromptOutcome) => Promise<void>): Promise<void> {
    const model = await this.loadModel(progress);
    const ct = this.ct!;
    for (const [n, prompt] of prompts.entries()) {
      progress(`segmenting "${prompt}" in this tab (${n + 1} of ${prompts.length})`, n / prompts.length);
      const result = await segmentWithModel(model, ct, prompt, {
        onProgress: (done, total) => progress(`segmenting "${prompt}" in this tab: window ${done} of ${total}`, (n + done / total) / prompts.length),
      });
      const p = result.prompts[0];
      const route = p.route.kind === 'pathway' ? routeText('pathway', p.route.pathway) : p.route.kind === 'head' ? routeText('head', [], p.route.head) : 'fixed';
      await onResult({ prompt, task: p.task, route, mask: new Uint8Array(encodeVolume(p.mask, { gzip: true })) });
    }
  }

  private loadModel(progress: Progress): Promise<Model> {
    this.model ??= (async () => {
      await fetchPackage(this.api, this.listing, (done, total) => progress(`fetching the model once: ${(done / 1e6).toFixed(1)} of ${(total / 1e6).toFixed(1)} MB`, done / total));
      useBrowserFiles(fileAt);
      progress('starting the model', null);
      return loadModel(PACKAGE_ROOT);
    })();
    this.model.catch(() => (this.model = undefined));
    return this.model;
  }
}
