/**
 * `npm run bench -- demo`: how well the shipped demo package segments phantoms it never saw, end to
 * end through the TypeScript engine, and how long a case takes.
 *
 * Phantoms use seeds from 70000 up (training uses 0–199, validation 90000–90001) on three file
 * grids in turn: RAS 3 mm, LPS 3 mm and RAS 2.5 x 2.5 x 4 mm. Each case is segmented for every
 * task's canonical prompt in one call; Dice is against the phantom's labels as the demo is trained
 * (organs include the tumours inside them; src/volume/phantom/truth.ts). Tumour Dice is averaged
 * over the cases that have that tumour; on the others the predicted volume is reported instead.
 * Then the head-and-neck organs on real CTs (demo-real.ts).
 */
import { loadModel, type Model } from '../../src/models/package.ts';
import { runReal } from './demo-real.ts';
import { segmentWithModel } from '../../src/models/segment.ts';
import { DEFAULT_MODEL_DIR } from '../../src/models/default-model.ts';
import { generatePhantom } from '../../src/volume/phantom/index.ts';
import { dice, taskTruth } from '../../src/volume/phantom/truth.ts';
import type { Shape3, Spacing3 } from '../../src/volume/types.ts';

interface Grid {
  readonly name: string;
  readonly orientation: string;
  readonly shape: Shape3;
  readonly spacing: Spacing3;
}

const GRIDS: readonly Grid[] = [
  { name: 'RAS 3 mm', orientation: 'RAS', shape: [128, 128, 96], spacing: [3, 3, 3] },
  { name: 'LPS 3 mm', orientation: 'LPS', shape: [128, 128, 96], spacing: [3, 3, 3] },
  { name: 'RAS 2.5x2.5x4', orientation: 'RAS', shape: [152, 152, 72], spacing: [2.5, 2.5, 4] },
];

/** Goals from the toolchain issue (Dice per task) and, for the continual head's target, the heads issue. */
const GOALS: Readonly<Record<string, number>> = {
  lung_left: 0.85,
  liver: 0.9,
  spleen: 0.9,
  kidney_left: 0.9,
  kidney_right: 0.9,
  aorta: 0.85,
  liver_tumor: 0.6,
  kidney_tumor: 0.6,
};
const SECONDS_GOAL = 15;
const ONE = new Set([1]);

const HELP = `usage: npm run bench -- demo [--model DIR] [--cases N] [--seed S] [--real N] [--real-prompts P,Q] [--json]

  --model DIR          package (default ${DEFAULT_MODEL_DIR})
  --cases N            phantoms (default 10; 0 = none), cycling through the grids ${GRIDS.map((g) => g.name).join(', ')}
  --seed S             first phantom seed (default 70000; training used 0-199 and 90000-90001)
  --real N             real head-and-neck CTs: the first N of OpenKBP's 33 validation patients (default 33; 0 = none)
  --real-prompts P,Q   on the real CTs, only these organs' prompts, and only patients with one of them contoured
  --json               print the per-case rows as JSON after the table`;

interface Row {
  readonly seed: number;
  readonly grid: string;
  readonly seconds: number;
  readonly windows: number;
  readonly dice: Record<string, number | null>;
  /** Predicted ml where the phantom has none of the target (tumours absent in that case). */
  readonly falseMl: Record<string, number>;
}

/** A result column: the task for a pathway task (one label), "label@Head" for each label of a head task. */
function column(task: string, route: { kind: string; head?: string }, label: string): string {
  return route.kind === 'head' ? `${label}@${route.head}` : task;
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

export async function run(args: string[]): Promise<void> {
  if (args.includes('--help')) return void process.stdout.write(`${HELP}\n`);
  const dir = flag(args, '--model') ?? DEFAULT_MODEL_DIR;
  const cases = Number(flag(args, '--cases') ?? 10);
  const first = Number(flag(args, '--seed') ?? 70000);
  if (!Number.isInteger(cases) || cases < 0 || !Number.isInteger(first) || first < 0) throw new Error(`--cases and --seed must be whole numbers (got ${cases}, ${first})`);
  const real = Number(flag(args, '--real') ?? 33);
  const realPrompts = flag(args, '--real-prompts')?.split(',').map((p) => p.trim());

  const loadStart = performance.now();
  const model = await loadModel(dir);
  let rows: Row[] = [];
  try {
    if (cases > 0) rows = await runPhantoms(model, dir, cases, first, loadStart);
    if (real > 0) await runReal(model, real, realPrompts);
  } finally {
    await model.close();
  }
  if (args.includes('--json')) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
}

/** The phantom half: every prompt on `cases` unseen phantoms, Dice per task, then the summary. */
async function runPhantoms(model: Model, dir: string, cases: number, first: number, loadStart: number): Promise<Row[]> {
  // Every task: the pathway tasks and the clNet head tasks (scored per label, as "label@Head").
  const tasks = model.manifest.tasks;
  const prompts = tasks.map((t) => t.prompt);
  const columns = tasks.flatMap((t) => Object.keys(t.labels).map((label) => column(t.name, t.route, label)));
  process.stdout.write(`demo bench: ${dir} (${model.manifest.name}), ${cases} phantoms from seed ${first}, prompts: ${prompts.join(', ')}\n`);
  // Warm up: create every session once, so case times do not include session creation.
  const warm = generatePhantom({ seed: first, shape: [64, 64, 64], spacing: [3, 3, 3] });
  await segmentWithModel(model, warm.ct, prompts);
  process.stdout.write(`load + warm-up ${((performance.now() - loadStart) / 1000).toFixed(1)} s\n\n`);

  const rows: Row[] = [];
  for (let c = 0; c < cases; c++) {
    const grid = GRIDS[c % GRIDS.length];
    const seed = first + c;
    const phantom = generatePhantom({ seed, shape: grid.shape, spacing: grid.spacing, orientation: grid.orientation });
    const started = performance.now();
    const result = await segmentWithModel(model, phantom.ct, prompts);
    const seconds = (performance.now() - started) / 1000;
    const row: Row = { seed, grid: grid.name, seconds, windows: result.windows, dice: {}, falseMl: {} };
    const voxelMl = grid.spacing[0] * grid.spacing[1] * grid.spacing[2] / 1000;
    for (const p of result.prompts) {
      for (const [label, value] of Object.entries(p.labels)) {
        const key = column(p.task, p.route, label);
        const truth = taskTruth(phantom.labels, [label]);
        const mask = Uint8Array.from(p.mask.data, (v) => (v === value ? 1 : 0));
        if (truth.some((v) => v !== 0)) row.dice[key] = dice(mask, truth, ONE);
        else {
          row.dice[key] = null;
          row.falseMl[key] = mask.reduce((n, v) => n + v, 0) * voxelMl;
        }
      }
    }
    rows.push(row);
    const cells = columns.map((c) => `${c} ${row.dice[c] === null ? `(none; ${row.falseMl[c].toFixed(1)} ml)` : row.dice[c]!.toFixed(3)}`);
    process.stdout.write(`case ${c + 1}/${cases} seed ${seed} ${grid.name.padEnd(13)} ${seconds.toFixed(1)} s  ${cells.join('  ')}\n`);
  }
  // One prompt on a 3 mm case: the "seconds per case" most users meet.
  const phantom = generatePhantom({ seed: first, shape: GRIDS[0].shape, spacing: GRIDS[0].spacing });
  const started = performance.now();
  await segmentWithModel(model, phantom.ct, [prompts[0]]);
  const single = (performance.now() - started) / 1000;
  printSummary(rows, columns, prompts.length, single, prompts[0]);
  return rows;
}

function printSummary(rows: readonly Row[], tasks: readonly string[], promptCount: number, single: number, singlePrompt: string): void {
  process.stdout.write(`\n${'task'.padEnd(22)} ${'mean'.padStart(6)} ${'min'.padStart(6)} ${'cases'.padStart(5)}  goal\n`);
  let missed = 0;
  for (const task of tasks) {
    const scores = rows.map((r) => r.dice[task]).filter((d): d is number => d !== null && d !== undefined && !Number.isNaN(d));
    const mean = scores.reduce((s, d) => s + d, 0) / scores.length;
    const min = Math.min(...scores);
    const goal = GOALS[task.split('@')[0]];
    const verdict = goal === undefined ? '' : mean >= goal ? `>= ${goal} met` : `>= ${goal} MISSED`;
    if (goal !== undefined && !(mean >= goal)) missed++;
    const absent = rows.filter((r) => r.dice[task] === null);
    const fp = absent.length ? `  (absent in ${absent.length}: mean ${(absent.reduce((s, r) => s + r.falseMl[task], 0) / absent.length).toFixed(1)} ml predicted)` : '';
    process.stdout.write(`${task.padEnd(22)} ${mean.toFixed(3).padStart(6)} ${min.toFixed(3).padStart(6)} ${String(scores.length).padStart(5)}  ${verdict}${fp}\n`);
  }
  const perGrid = [...new Set(rows.map((r) => r.grid))].map((g) => {
    const rs = rows.filter((r) => r.grid === g);
    return `${g} ${(rs.reduce((s, r) => s + r.seconds, 0) / rs.length).toFixed(1)} s`;
  });
  const mean = rows.reduce((s, r) => s + r.seconds, 0) / rows.length;
  process.stdout.write(`\nseconds per case, all ${promptCount} prompts: mean ${mean.toFixed(1)} s (${perGrid.join(', ')})\n`);
  process.stdout.write(`seconds per case, one prompt ("${singlePrompt}", RAS 3 mm): ${single.toFixed(1)} s  goal <= ${SECONDS_GOAL} s ${single <= SECONDS_GOAL ? 'met' : 'MISSED'}\n`);
  process.stdout.write(`${missed === 0 ? 'all Dice goals met' : `${missed} Dice goal(s) missed`}\n`);
}
