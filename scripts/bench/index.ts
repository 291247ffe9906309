/**
 * Benchmark dispatcher: `npm run bench -- <name> [options]`. Benches are not tests; each prints a
 * table for a human. Each bench module exports `run(args)`; the registry below lazy-loads them so
 * `--help` and a typo stay instant.
 */
export interface Bench {
  readonly description: string;
  readonly load: () => Promise<{ run(args: string[]): Promise<void> }>;
}

export const BENCHES: Record<string, Bench> = {
  demo: {
    description: 'the shipped demo package on 10 unseen phantoms (RAS, LPS, anisotropic): Dice per task against the goals, seconds per case',
    load: () => import('./demo.ts'),
  },
  engine: {
    description: 'uniseg vs the PyTorch reference on the same SwinUNETR; overhead outside ORT; 1 vs 8 prompts; peak RSS at 512x512x400',
    load: () => import('./engine.ts'),
  },
  speed: {
    description: 'exact vs PyTorch; fast vs exact on real CTs with Dice per prompt; 1 vs 8 prompts; peak RSS at 512x512x400; --help start-up',
    load: () => import('./speed.ts'),
  },
  prompt: {
    description: 'prompt resolution: cold (encoder load), uncached and cached (goal < 1 ms)',
    load: () => import('./prompt.ts'),
  },
  io: {
    description: 'NIfTI read, reorient and resample of a 512x512x400 int16 phantom; peak RSS; nibabel comparison',
    load: () => import('./io.ts'),
  },
  dicom: {
    description: 'reading a 512x512x400 JPEG 2000 DICOM series vs the same voxels as .nii.gz: seconds and peak RSS',
    load: () => import('./dicom.ts'),
  },
  convert: {
    description: 'uniseg convert on each shared fixture with a converter in this checkout: seconds per conversion, package size',
    load: () => import('./convert.ts'),
  },
  batch: {
    description: 'uniseg batch on the demo package: cases/min locally with 1 and 2 in flight and with 1 and 2 queue workers; queue overhead per job (ms)',
    load: () => import('./batch.ts'),
  },
  web: {
    description: 'in-browser segmentation (headless Chromium) vs Node: seconds, tab peak memory, bundle and package sizes',
    load: () => import('./web.ts'),
  },
  server: {
    description: 'uniseg serve under 8 concurrent clients, valid and invalid bodies; requests/s, p50/p95, statuses, peak RSS',
    load: () => import('./server.ts'),
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(BENCHES).map((n) => n.length));
  const rows = Object.entries(BENCHES).map(([name, b]) => `  ${name.padEnd(width)}  ${b.description}`);
  return ['usage: npm run bench -- <name> [options]', '       npm run bench -- <name> --help', '', 'benches:', ...rows].join('\n');
}

const [name, ...rest] = process.argv.slice(2);
if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
  process.stdout.write(`${usage()}\n`);
  process.exitCode = name === undefined ? 2 : 0;
} else if (!Object.hasOwn(BENCHES, name)) {
  process.stderr.write(`bench: unknown bench "${name}"\n${usage()}\n`);
  process.exitCode = 2;
} else {
  await (await BENCHES[name].load()).run(rest);
}
