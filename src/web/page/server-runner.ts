/**
 * Server mode: the scan is stored once (POST /volumes, which also checks it) and each prompt is a
 * GET /segment on that stored volume, so masks arrive one by one and are exactly what
 * `uniseg segment` writes. The route comes from GET /resolve, which costs no inference.
 */
import { ApiError, type Api } from './api.ts';
import { routeText, type Progress, type PromptOutcome, type Runner } from './runner.ts';

export class ServerRunner implements Runner {
  private file?: File;
  private volume?: string;

  constructor(private readonly api: Api) {}

  async load(file: File): Promise<void> {
    if (this.volume) await this.api.dropVolume(this.volume);
    this.volume = undefined;
    this.file = file;
    this.volume = await this.api.storeVolume(await file.arrayBuffer());
  }

  async run(prompts: readonly string[], progress: Progress, onResult: (outcome: PromptOutcome) => Promise<void>): Promise<void> {
    for (const [n, prompt] of prompts.entries()) {
      progress(`segmenting "${prompt}" on the server (${n + 1} of ${prompts.length})`, n / prompts.length);
      const resolution = await this.api.resolve(prompt);
      const mask = await this.maskOf(prompt);
      await onResult({ prompt, task: resolution.task, route: routeText(resolution.route, resolution.pathway, resolution.head), mask: new Uint8Array(mask) });
    }
  }

  /** A stored volume expires after the server's TTL; upload it again once if so. */
  private async maskOf(prompt: string): Promise<ArrayBuffer> {
    if (!this.file) throw new ApiError(0, 'NO_FILE', 'choose a CT first');
    try {
      return await this.api.mask(this.volume!, prompt);
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 'VOLUME_NOT_FOUND')) throw error;
      this.volume = await this.api.storeVolume(await this.file.arrayBuffer());
      return this.api.mask(this.volume, prompt);
    }
  }
}
