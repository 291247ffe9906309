/** What a segmentation run gives the page, whichever side runs it. */

export interface PromptOutcome {
  readonly prompt: string;
  readonly task: string;
  /** "pathway 1,2,1", "head Organs" or "fixed". */
  readonly route: string;
  /** The mask as .nii.gz bytes, on the CT's grid. */
  readonly mask: Uint8Array<ArrayBuffer>;
}

export interface Progress {
  (text: string, fraction: number | null): void;
}

export interface Runner {
  /** Checks and keeps the scan; throws the engine's or the API's error for a bad file. */
  load(file: File): Promise<void>;
  /** Segments the kept scan for each prompt, in order, handing each result over as it comes. */
  run(prompts: readonly string[], progress: Progress, onResult: (outcome: PromptOutcome) => Promise<void>): Promise<void>;
}

export function routeText(route: string, pathway: readonly number[], head?: string): string {
  if (route === 'pathway') return `pathway ${pathway.join(',')}`;
  if (route === 'head') return `head ${head ?? ''}`.trim();
  return 'fixed';
}
