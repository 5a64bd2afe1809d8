/**
 * `npm run bench`: every kernel benchmark, one JSON document on stdout (and in
 * bench/results/ with --save). `--only matmul,conv` picks suites; `--profile` adds per-kernel GPU
 * time from timestamp queries.
 */
import { writeFileAtomic } from '../pointvis/io/atomic-write.js';
import { adapterName, engine } from '../engine/index.js';
import { startNodeEngine } from '../runners/node/engine.js';
import { benchDispatch } from './dispatch.js';
import { suites } from './suites.js';
import type { BenchEntry } from './timing.js';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1]!.split(',') : null;
  const profile = args.includes('--profile');
  const save = args.includes('--save');
  const eng = await startNodeEngine();
  const report = eng.gpu.report;
  const results: Record<string, BenchEntry[]> = {};
  const all = { dispatch: benchDispatch, ...suites };
  for (const [name, run] of Object.entries(all)) {
    if (only && !only.includes(name)) continue;
    process.stderr.write(`bench ${name} ...\n`);
    if (profile && report.features.includes('timestamp-query')) engine().startProfiling();
    results[name] = await run();
    if (profile && report.features.includes('timestamp-query')) {
      const timings = await engine().stopProfiling();
      results[`${name}_gpu_time_per_kernel`] = timings.map((t) => ({
        name: t.kernel,
        dispatches: t.dispatches,
        totalMs: t.totalMs,
        msPerDispatch: t.totalMs / t.dispatches,
      }));
    }
  }
  const doc = {
    date: new Date().toISOString(),
    adapter: adapterName(report),
    isCpu: report.isCpu,
    features: report.features,
    results,
  };
  const text = JSON.stringify(doc, null, 2);
  console.log(text);
  if (save) {
    const tag = adapterName(report)
      .replace(/[^a-z0-9]+/gi, '-')
      .toLowerCase();
    const path = `bench/results/${doc.date.slice(0, 10)}-${tag}.json`;
    writeFileAtomic(path, text + '\n');
    process.stderr.write(`saved ${path}\n`);
  }
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
