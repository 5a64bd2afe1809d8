import type { Command } from 'commander';
import { adapterName } from '../../../engine/index.js';
import { type AdapterChoice } from '../../node/gpu.js';
import { startNodeEngine } from '../../node/engine.js';
import { trainToyTask } from '../../../pointvis/toy/toy-task.js';
import { dawnPollingInterval } from '../../node/dawn-polling.js';

const KEY_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupsPerDimension',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupStorageSize',
  'maxStorageBuffersPerShaderStage',
  'minStorageBufferOffsetAlignment',
  'minUniformBufferOffsetAlignment',
];

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description(
      'report the WebGPU adapter, its limits and features, then train a small network on a toy task',
    )
    .option(
      '--adapter <kind>',
      'auto | hardware | swiftshader | gles',
      process.env.POINTVIS_ADAPTER ?? 'auto',
    )
    .option('--steps <n>', 'toy training steps', '150')
    .option('--no-train', 'only report the adapter')
    .option('--json', 'print one JSON object')
    .action(async (opts: { adapter: string; steps: string; train: boolean; json?: boolean }) => {
      const eng = await startNodeEngine(opts.adapter as AdapterChoice);
      const r = eng.gpu.report;
      const limits = Object.fromEntries(KEY_LIMITS.map((k) => [k, r.limits[k]]));
      if (!opts.json) {
        console.log(`adapter   ${adapterName(r)}`);
        console.log(`backend   ${r.backend}`);
        console.log(
          `kind      ${r.isCpu ? 'CPU (software)' : 'GPU (hardware)'}, feature level ${r.featureLevel}`,
        );
        console.log(`features  ${r.features.join(', ') || '(none)'}`);
        const poll = dawnPollingInterval();
        console.log(
          `polling   ${poll === null ? "Dawn's own (every event-loop turn)" : `every ${poll} ms (CPU adapter: POINTVIS_DAWN_POLL_MS)`}`,
        );
        for (const [k, v] of Object.entries(limits)) console.log(`limit     ${k} = ${v}`);
      }
      let toy: Awaited<ReturnType<typeof trainToyTask>> | null = null;
      if (opts.train) {
        toy = await trainToyTask({
          steps: Number(opts.steps),
          log: opts.json ? () => {} : (line) => console.log(line),
        });
      }
      if (opts.json) console.log(JSON.stringify({ adapter: r, toy }));
      else if (toy) {
        console.log(
          `toy task: loss ${toy.firstLoss.toFixed(4)} -> ${toy.lastLoss.toFixed(4)}, ` +
            `accuracy ${(toy.accuracy * 100).toFixed(1)}% in ${toy.seconds.toFixed(1)} s`,
        );
        if (!toy.passed) {
          console.error(`doctor: the toy network did not reach ${toy.targetAccuracy * 100}% accuracy`);
          process.exitCode = 1;
        }
      }
    });
}
