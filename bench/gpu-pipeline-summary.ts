/**
 * Summarises a `pointvis run` directory for bench/results: per training (pretrain, each video
 * training, each self-training round) the iterations run, iterations per second (median over
 * the logged intervals after the first, which includes kernel compilation) and the peak bytes
 * held by live GPU tensors; per stage its wall time. Prints one JSON object.
 *   node .gpu/gpu-pipeline-summary.mjs VARIANT RUN_DIR   (bundled by bench/gpu-pipeline.sh pack)
 *   npx tsx bench/gpu-pipeline-summary.ts VARIANT RUN_DIR
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

interface TrainingSummary {
  run: string;
  iterations: number;
  itPerSec: number | null;
  secondsPerIterMedian: number | null;
  peakGiB: number;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function metricsFiles(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...metricsFiles(path));
    else if (name === 'metrics.jsonl') found.push(path);
  }
  return found.sort();
}

function summariseTraining(root: string, file: string): TrainingSummary {
  const records = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(
      (line) => JSON.parse(line) as { iteration: number; seconds_per_iter: number; gpu_peak_bytes: number },
    );
  const steady = median(records.slice(1).map((r) => r.seconds_per_iter));
  return {
    run: relative(root, join(file, '..')),
    iterations: records.at(-1)?.iteration ?? 0,
    itPerSec: steady ? Number((1 / steady).toFixed(3)) : null,
    secondsPerIterMedian: steady ? Number(steady.toFixed(4)) : null,
    peakGiB: Number((Math.max(0, ...records.map((r) => r.gpu_peak_bytes)) / 2 ** 30).toFixed(3)),
  };
}

function stageSeconds(root: string): Record<string, number> {
  const dir = join(root, 'stages');
  const out: Record<string, number> = {};
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const marker = JSON.parse(readFileSync(join(dir, name), 'utf8')) as { id: string; seconds: number };
    out[marker.id] = Number(marker.seconds.toFixed(1));
  }
  return out;
}

function main(): void {
  const [variant, root] = process.argv.slice(2);
  if (!variant || !root) {
    process.stderr.write('usage: gpu-pipeline-summary VARIANT RUN_DIR\n');
    process.exit(2);
  }
  if (!existsSync(root)) {
    process.stderr.write(`gpu-pipeline-summary: no run directory ${root}\n`);
    process.exit(1);
  }
  const log = `${root}.log`;
  const adapter = existsSync(log)
    ? (/adapter (.*?); config/.exec(readFileSync(log, 'utf8'))?.[1] ?? null)
    : null;
  const summary = {
    variant,
    adapter,
    trainings: metricsFiles(root).map((file) => summariseTraining(root, file)),
    stageSeconds: stageSeconds(root),
    finished: existsSync(join(root, 'report.md')),
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

main();
