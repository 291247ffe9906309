/**
 * Checks a CLIP text-encoder directory against held-out prompts, through the engine's own code:
 * the directory is loaded by loadClipTextEncoder (src/prompt/clip.ts; the prompt is normalised and
 * templated exactly as the engine does), every task text (prompt, aliases, name — the texts
 * src/models/routing.ts indexes) is embedded, and each held-out prompt goes to the task of its
 * nearest text (rankBySimilarity, src/pathways/select.ts).
 *
 *   npx tsx scripts/check_text_encoder.ts --text DIR --heldout uniseg_tools/data/demo-prompts-heldout.tsv \
 *       [--template "A computerized tomography of a {}"] [--min-similarity X] [--manifest manifest.json] [--json]
 *
 * Reports: accuracy of the nearest task on the task lines (goal >= 95 %; exit 1 below), how many
 * "-" lines fall below the threshold, the similarities of "left kidney" to "kidney left" and to
 * "right kidney", the minSimilarity that best separates accepted task lines from "-" lines, and the
 * end-to-end outcome at a threshold as resolvePrompt decides it (similarity >= threshold → nearest
 * task; otherwise name matching, src/pathways/names.ts; otherwise PROMPT_UNKNOWN).
 *
 * Tasks come from --manifest (a package manifest.json: tasks[].name/prompt/aliases, and its
 * prompting.minSimilarity and textEncoder.template as defaults) or else from DIR/training.json
 * (written by `uniseg_tools text`). When training.json has probe embeddings made with
 * the same template, they are compared with what transformers.js computes (export parity).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { matchByName } from '../src/pathways/names.ts';
import { rankBySimilarity, type EmbeddedText } from '../src/pathways/select.ts';
import { loadClipTextEncoder } from '../src/prompt/clip.ts';
import { cosine, l2normalize } from '../src/prompt/encoder.ts';

const DEFAULT_TEMPLATE = 'A computerized tomography of a {}';
const GOAL = 0.95;
const NO_TASK = '-';

interface TaskDef {
  readonly name: string;
  readonly prompt: string;
  readonly aliases: readonly string[];
}

interface HeldOut {
  readonly prompt: string;
  readonly task: string;
  readonly line: number;
}

interface Row extends HeldOut {
  readonly nearest: string;
  readonly nearestText: string;
  readonly similarity: number;
  /** Best similarity to any text of the expected task (task lines only). */
  readonly expectedSimilarity: number | null;
  readonly correct: boolean;
}

/** The texts routing.ts indexes for a task (its taskTexts, which is module-private there). */
const taskTexts = (t: TaskDef) => [t.prompt, ...t.aliases, t.name];

function readHeldOut(path: string): HeldOut[] {
  const rows: HeldOut[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((raw, i) => {
      const line = raw.replace(/\r$/, '');
      if (line.trim() === '' || line.trimStart().startsWith('#')) return;
      const parts = line.split('\t');
      if (parts.length !== 2 || !parts[0].trim() || !parts[1].trim()) throw new Error(`${path}:${i + 1}: expected "prompt<TAB>task", got ${JSON.stringify(line)}`);
      rows.push({ prompt: parts[0], task: parts[1].trim(), line: i + 1 });
    });
  return rows;
}

interface Sources {
  tasks: TaskDef[];
  template?: string;
  minSimilarity?: number;
  training?: { template?: string; probes?: { prompt: string; text: string; text_embeds: number[] }[] };
}

function readSources(dir: string, manifestPath: string | undefined): Sources {
  const trainingPath = join(dir, 'training.json');
  const training = existsSync(trainingPath) ? JSON.parse(readFileSync(trainingPath, 'utf8')) : undefined;
  if (manifestPath) {
    const m = JSON.parse(readFileSync(manifestPath, 'utf8'));
    const tasks = (m.tasks ?? []).map((t: TaskDef) => ({ name: t.name, prompt: t.prompt, aliases: t.aliases ?? [] }));
    return { tasks, template: m.textEncoder?.template, minSimilarity: m.prompting?.minSimilarity, training };
  }
  if (!training?.tasks) throw new Error(`${trainingPath} has no task table; pass --manifest`);
  return { tasks: training.tasks, template: training.template, training };
}

/**
 * The threshold that maximises (task lines whose nearest task is right and whose similarity
 * reaches it) + ("-" lines below it). Among equally good thresholds the widest gap wins; the
 * value is its midpoint.
 */
function suggestThreshold(rows: readonly Row[]): { threshold: number; score: number; of: number; low: number; high: number } {
  const sims = [...new Set(rows.map((r) => r.similarity))].sort((a, b) => a - b);
  const edges = [-1, ...sims, 1.000001];
  let best = { threshold: 0, score: -1, of: rows.length, low: 0, high: 0 };
  for (let i = 0; i + 1 < edges.length; i++) {
    // Any t in (edges[i], edges[i+1]] behaves alike: lines with similarity >= t are those above edges[i].
    const low = edges[i];
    const high = edges[i + 1];
    const t = (low + high) / 2;
    const score = rows.filter((r) => (r.task === NO_TASK ? r.similarity < t : r.correct && r.similarity >= t)).length;
    if (score > best.score || (score === best.score && high - low > best.high - best.low)) best = { threshold: t, score, of: rows.length, low, high };
  }
  return best;
}

/** The value with the fewest decimals (2, 3, ...) near `t` that still lies in (low, high]. */
function roundInside(t: number, low: number, high: number): number {
  for (let d = 2; d <= 6; d++) {
    const f = 10 ** d;
    for (const v of [Math.round(t * f) / f, Math.ceil(low * f + 1e-9) / f]) if (v > low && v <= high) return v;
  }
  return t;
}

const pct = (n: number, d: number) => (d === 0 ? 'n/a' : `${((100 * n) / d).toFixed(1)} %`);
const f3 = (x: number) => x.toFixed(3);

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      text: { type: 'string' },
      heldout: { type: 'string', default: 'uniseg_tools/data/demo-prompts-heldout.tsv' },
      template: { type: 'string' },
      'min-similarity': { type: 'string' },
      manifest: { type: 'string' },
      json: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || !values.text) {
    console.log('usage: npx tsx scripts/check_text_encoder.ts --text DIR [--heldout FILE] [--template T] [--min-similarity X] [--manifest FILE] [--json] [--verbose]');
    return values.help ? 0 : 2;
  }
  const dir = values.text;
  const sources = readSources(dir, values.manifest);
  const template = values.template ?? sources.template ?? DEFAULT_TEMPLATE;
  const heldout = readHeldOut(values.heldout!);
  const known = new Set(sources.tasks.map((t) => t.name));
  const unknownTasks = heldout.filter((h) => h.task !== NO_TASK && !known.has(h.task));
  if (unknownTasks.length > 0) throw new Error(`held-out lines name tasks that are not in the task table: ${unknownTasks.map((h) => `${h.line}:${h.task}`).join(', ')}`);

  const encoder = await loadClipTextEncoder(dir, { template });
  try {
    // Export parity: transformers.js vs the torch embeddings training.json recorded.
    let parity: number | null = null;
    const probes = sources.training?.probes;
    if (probes && sources.training?.template === template) {
      const got = await encoder.embed(probes.map((p) => p.prompt));
      parity = Math.max(
        ...probes.map((p, i) => {
          const want = l2normalize(Float32Array.from(p.text_embeds), 'probe');
          return Math.max(...Array.from(want, (w, j) => Math.abs(w - got[i][j])));
        }),
      );
    }

    const entries = sources.tasks.flatMap((task) => taskTexts(task).map((text) => ({ task, text })));
    const vectors = await encoder.embed(entries.map((e) => e.text));
    const index: EmbeddedText<TaskDef>[] = entries.map((e, i) => ({ item: e.task, text: e.text, embedding: vectors[i] }));
    const embeddings = await encoder.embed(heldout.map((h) => h.prompt));
    const rows: Row[] = heldout.map((h, i) => {
      const ranked = rankBySimilarity(embeddings[i], index);
      const own = ranked.find((r) => r.item.name === h.task);
      return {
        ...h,
        nearest: ranked[0].item.name,
        nearestText: ranked[0].text,
        similarity: ranked[0].similarity,
        expectedSimilarity: own ? own.similarity : null,
        correct: h.task !== NO_TASK && ranked[0].item.name === h.task,
      };
    });

    const taskRows = rows.filter((r) => r.task !== NO_TASK);
    const dashRows = rows.filter((r) => r.task === NO_TASK);
    const accuracy = taskRows.filter((r) => r.correct).length / Math.max(taskRows.length, 1);
    const suggestion = suggestThreshold(rows);
    const suggested = roundInside(suggestion.threshold, suggestion.low, suggestion.high);
    const threshold = values['min-similarity'] !== undefined ? Number(values['min-similarity']) : (sources.minSimilarity ?? suggested);
    if (!Number.isFinite(threshold)) throw new Error(`--min-similarity must be a number; got ${values['min-similarity']}`);

    const pairTexts = ['left kidney', 'kidney left', 'right kidney', 'liver', 'liver tumor', 'kidney tumor'];
    const pv = await encoder.embed(pairTexts);
    const sim = (a: string, b: string) => cosine(pv[pairTexts.indexOf(a)], pv[pairTexts.indexOf(b)]);
    const pairs = {
      'left kidney~kidney left': sim('left kidney', 'kidney left'),
      'left kidney~right kidney': sim('left kidney', 'right kidney'),
      'liver~liver tumor': sim('liver', 'liver tumor'),
      'left kidney~kidney tumor': sim('left kidney', 'kidney tumor'),
    };
    const leftKidneyOk = pairs['left kidney~kidney left'] > pairs['left kidney~right kidney'];

    // End to end at the threshold, as resolvePrompt decides (tasks only; no head labels here).
    const outcome = rows.map((r) => {
      if (r.similarity >= threshold) return { via: 'similarity', task: r.nearest };
      const named = matchByName(sources.tasks, taskTexts, r.prompt);
      return named ? { via: 'name', task: named.name } : { via: 'refused', task: NO_TASK };
    });
    const e2eRight = rows.filter((r, i) => outcome[i].task === r.task);
    const sweep = [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9].map((t) => ({
      threshold: t,
      taskAccepted: taskRows.filter((r) => r.correct && r.similarity >= t).length,
      taskWrongAccepted: taskRows.filter((r) => !r.correct && r.similarity >= t).length,
      noTaskRejected: dashRows.filter((r) => r.similarity < t).length,
    }));
    const acceptedDash = dashRows.filter((r) => r.similarity >= threshold);
    const belowTask = taskRows.filter((r) => r.similarity < threshold);

    const report = {
      dir: encoder.dir,
      template,
      dim: encoder.dim,
      context: encoder.context,
      parityMaxAbs: parity,
      tasks: sources.tasks.length,
      heldout: { file: values.heldout, taskLines: taskRows.length, noTaskLines: dashRows.length },
      accuracy,
      goal: GOAL,
      failures: taskRows.filter((r) => !r.correct).map((r) => ({ prompt: r.prompt, expected: r.task, got: r.nearest, via: r.nearestText, similarity: r.similarity, expectedSimilarity: r.expectedSimilarity })),
      taskSimilarity: { min: Math.min(...taskRows.map((r) => r.similarity)), minCorrect: Math.min(...taskRows.filter((r) => r.correct).map((r) => r.similarity)) },
      noTask: {
        maxSimilarity: Math.max(...dashRows.map((r) => r.similarity)),
        belowThreshold: dashRows.length - acceptedDash.length,
        accepted: acceptedDash.map((r) => ({ prompt: r.prompt, nearest: r.nearest, via: r.nearestText, similarity: r.similarity })),
      },
      pairs,
      leftKidneyCloserToKidneyLeft: leftKidneyOk,
      suggestedMinSimilarity: { value: suggested, separates: suggestion.score, of: suggestion.of, interval: [suggestion.low, suggestion.high] },
      threshold,
      sweep,
      endToEnd: {
        correct: e2eRight.length,
        of: rows.length,
        taskLinesBelowThreshold: belowTask.map((r) => ({ prompt: r.prompt, similarity: r.similarity, outcome: outcome[rows.indexOf(r)] })),
        wrong: rows.flatMap((r, i) => (outcome[i].task === r.task ? [] : [{ prompt: r.prompt, expected: r.task, got: outcome[i].task, via: outcome[i].via, similarity: r.similarity }])),
      },
      lines: rows.map((r, i) => ({ prompt: r.prompt, expected: r.task, nearest: r.nearest, via: r.nearestText, similarity: r.similarity, outcome: outcome[i] })),
    };

    if (values.json) {
      console.log(JSON.stringify(report, null, 1));
    } else {
      console.log(`text encoder ${report.dir} (dim ${report.dim}, context ${report.context}), template "${template}"`);
      if (parity !== null) console.log(`export parity vs training.json probes: max |diff| ${parity.toExponential(2)}`);
      console.log(`${report.tasks} tasks, ${entries.length} task texts; held-out ${values.heldout}: ${taskRows.length} task lines, ${dashRows.length} "-" lines`);
      console.log('');
      console.log(`nearest-task accuracy on task lines: ${pct(taskRows.length - report.failures.length, taskRows.length)} (${taskRows.length - report.failures.length}/${taskRows.length}; goal ${GOAL * 100} %)`);
      for (const f of report.failures) console.log(`  FAIL ${JSON.stringify(f.prompt)}: expected ${f.expected}, nearest ${f.got} via "${f.via}" (${f3(f.similarity)}; own task ${f.expectedSimilarity === null ? '-' : f3(f.expectedSimilarity)})`);
      console.log(`task-line similarity to the nearest text: min ${f3(report.taskSimilarity.min)} (min among correct ${f3(report.taskSimilarity.minCorrect)})`);
      console.log(`"-" lines: max similarity ${f3(report.noTask.maxSimilarity)}; ${report.noTask.belowThreshold}/${dashRows.length} below threshold ${f3(threshold)}`);
      for (const a of report.noTask.accepted) console.log(`  ACCEPTED ${JSON.stringify(a.prompt)} as ${a.nearest} via "${a.via}" (${f3(a.similarity)})`);
      console.log('');
      console.log(`cos("left kidney", "kidney left")  = ${f3(pairs['left kidney~kidney left'])}`);
      console.log(`cos("left kidney", "right kidney") = ${f3(pairs['left kidney~right kidney'])}  -> ${leftKidneyOk ? 'closer to "kidney left" (ok)' : 'NOT closer to "kidney left"'}`);
      console.log(`cos("liver", "liver tumor") = ${f3(pairs['liver~liver tumor'])}, cos("left kidney", "kidney tumor") = ${f3(pairs['left kidney~kidney tumor'])}`);
      console.log('');
      console.log(
        `suggested minSimilarity: ${suggested} (separates ${suggestion.score}/${suggestion.of} lines: correct task lines at or above, "-" lines below; any value in (${f3(suggestion.low)}, ${f3(suggestion.high)}] does as well)`,
      );
      console.log(`threshold sweep (task lines: right and accepted / wrong and accepted of ${taskRows.length}; "-" lines rejected of ${dashRows.length}):`);
      console.log(`  ${sweep.map((w) => `${w.threshold.toFixed(2)}: ${w.taskAccepted}/${w.taskWrongAccepted}; ${w.noTaskRejected}`).join('  ')}`);
      console.log(`end to end at ${f3(threshold)} (similarity, else name match, else refused): ${e2eRight.length}/${rows.length} lines as expected`);
      for (const w of report.endToEnd.wrong) console.log(`  ${JSON.stringify(w.prompt)}: expected ${w.expected}, got ${w.got} (${w.via}, similarity ${f3(w.similarity)})`);
      if (values.verbose) {
        console.log('');
        for (const l of report.lines) console.log(`${l.expected === l.outcome.task ? ' ' : '!'} ${f3(l.similarity)} ${l.nearest.padEnd(13)} ${l.outcome.via.padEnd(10)} ${JSON.stringify(l.prompt)} (expected ${l.expected}, via "${l.via}")`);
      }
    }
    return accuracy >= GOAL && leftKidneyOk ? 0 : 1;
  } finally {
    await encoder.close();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(2);
  },
);
