// `pointvis run` end to end on a micro run config (2 training videos and 1 validation video of the
// synthetic tiny preset, a tiny model, one iteration per training): a run interrupted in its
// first video training, the resume that finishes it and writes the full report, a second
// resume (through the CLI) that skips every stage, and the CLI's refusals.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJsonFile } from '../../pointvis/formats/index.js';
import {
  type PipelineOptions,
  type StageEvent,
  loadRunConfig,
  runPipeline,
} from '../../pointvis/pipeline/index.js';
import type { SynthMeta } from '../../pointvis/synth/index.js';
import { FINAL_MODEL_FILE, LAST_CHECKPOINT_FILE, train } from '../../pointvis/train/index.js';
import { register } from '../../runners/cli/commands/run.js';
import { useEngine } from '../util/engine.js';
import { removeTempDirs, tempDir } from './proposals-fixtures.js';
import { runCapturedCli } from '../util/cli.js';

const TINY_MODEL = `
    model: {swin: {depths: [1, 1, 1, 1]}, decoder: {layers: 1, numQueries: 8}}
    loss: {numPoints: 256, matcher: {numPoints: 256}}`;

const MICRO = `_base_: ${resolve('configs/run/report-tiny.yaml')}
data:
  synth: {preset: tiny, seed: 0, images: {train: 4, valid: 1}, videos: {train: 2, valid: 1}, frames: [3, 4]}
imageModel:
  overrides:
    solver: {imsPerBatch: 1, maxIter: 1, steps: [], checkpointPeriod: 1, logPeriod: 1}${TINY_MODEL}
videoModel:
  overrides:
    solver: {imsPerBatch: 1, maxIter: 1, steps: [], checkpointPeriod: 1, logPeriod: 1}${TINY_MODEL}
    test: {evalPeriod: 0}
selfTraining:
  overrides: # two iterations with a validation AP after the first: the AP-curve path
    solver: {maxIter: 2, steps: [], checkpointPeriod: 2}
    test: {evalPeriod: 1}
experiments: {table1Schemes: [P1]}
report: {figureVideos: 1}
`;

let dir: string;
let configFile: string;
let out: string;

beforeAll(async () => {
  await useEngine();
  dir = tempDir('pointvis-run-');
  configFile = join(dir, 'micro.yaml');
  writeFileSync(configFile, MICRO);
  out = join(dir, 'out');
}, 60_000);
afterAll(removeTempDirs);

function cli(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return runCapturedCli([register], args);
}

function pipeline(options: Partial<PipelineOptions>, logs: string[], events: StageEvent[]) {
  return runPipeline({
    config: null,
    configSource: configFile,
    outDir: out,
    resume: false,
    adapter: 'test engine',
    onLog: (line) => logs.push(line),
    onStage: (e) => events.push(e),
    ...options,
  });
}

/** Every `![..](path)` of a markdown text. */
const imageLinks = (text: string) => [...text.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]!);

describe('pointvis run', () => {
  it('runs the chain, resumes an interrupted training, then skips every finished stage', async () => {
    // 1. Interrupted in the first video training (an aborted signal: it saves a checkpoint and stops).
    const logs: string[] = [];
    const events: StageEvent[] = [];
    const first = await pipeline(
      {
        config: loadRunConfig(configFile),
        runTraining: (options, label) =>
          train({ ...options, signal: label === 'train gt' ? AbortSignal.abort() : undefined }),
      },
      logs,
      events,
    );
    expect(first.interrupted).toBe('train:gt');
    expect(events.at(-1)).toMatchObject({ id: 'train:gt', status: 'interrupted' });
    expect(existsSync(join(out, 'train/gt', LAST_CHECKPOINT_FILE))).toBe(true);
    expect(existsSync(join(out, 'train/gt', FINAL_MODEL_FILE))).toBe(false);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('**Interrupted** in stage `train:gt`');
    const finishedBefore = events.filter((e) => e.status === 'done').map((e) => e.id);
    expect(finishedBefore).toEqual(expect.arrayContaining(['data', 'points:P1', 'pretrain', 'proposals']));

    // 2. The resume skips those, continues train:gt from its checkpoint and runs the rest.
    const resumedLogs: string[] = [];
    const resumed: StageEvent[] = [];
    const second = await pipeline(
      {
        resume: true,
        runTraining: (options, label) =>
          train({ ...options, onLog: (l) => resumedLogs.push(`${label}: ${l}`) }),
      },
      resumedLogs,
      resumed,
    );
    expect(second.interrupted).toBeNull();
    expect(resumed.filter((e) => e.status === 'skipped').map((e) => e.id)).toEqual(finishedBefore);
    expect(
      resumedLogs.some((l) => /^train gt: resumed from .*model_0000000\.safetensors at iteration 0/.test(l)),
    ).toBe(true);
    expect(second.ran).toEqual(
      expect.arrayContaining(['train:gt', 'evaluate:gt', 'selftrain:st1-pointvis-P1-l5-5-2']),
    );

    // The report: both tables with every row, pseudo mIoU per stage, the split, targets, figures.
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    expect(report).not.toContain('Interrupted');
    for (const heading of [
      '## Table 1: full masks vs points',
      '## Table 2: effect of each component (P1)',
      '## Pseudo-mask quality',
      '## Shared vs novel categories (AP)',
      '## Targets',
      '### Loss curves',
      '### Figure 3: points and pseudo masks (training videos)',
      '### Figure 1: predictions on validation videos',
    ]) {
      expect(report).toContain(heading);
    }
    for (const row of [
      '| Fully supervised | M |',
      '| PointVIS (P1, self-trained) | P1 |',
      '| VISP (P1) | points |',
      '| VISP+CINeg (P1) | points + CINeg |',
      '| PointVIS (P1) L_ann | λ 5,0,0 |',
      '| + L_cineg | λ 5,5,0 |',
      '| + L_maskness | λ 5,5,2 |',
      '| + self-training | λ 5,5,2 + 1 round |',
      '| st1-pointvis-P1-l5-5-2 round 1 (confidence) | pointvis | 5,5,2 | confidence |',
    ]) {
      expect(report).toContain(row);
    }
    // Every pseudo-label stage has a measured mIoU (the ground truth is the training videos).
    const miou = [
      ...report.matchAll(/^\| (\S+(?: round 1 \(confidence\))?) \| (?:pointvis|pf) \|.*\| (\S+) \|$/gm),
    ];
    expect(miou.length).toBe(4);
    for (const m of miou) expect(Number(m[2])).toBeGreaterThanOrEqual(0);
    // P1N1 is not in this micro run's Table 1: its target says so instead of passing.
    expect(report).toMatch(/PointVIS \(P1N1\) keeps ≥ 90% .* \| \*\*NOT RUN\*\* \|/);
    expect(report).toContain('![AP during training](figures/ap-during-training.svg)');
    const links = imageLinks(report);
    expect(links.length).toBeGreaterThanOrEqual(8 + 4 + 2);
    for (const link of links) expect(existsSync(join(out, link)), link).toBe(true);

    // Novel categories by name agree with the generator's own record.
    const data = readJsonFile(join(out, 'data/data.json')) as {
      sharedCategoryIds: number[];
      novelCategoryIds: number[];
    };
    const meta = readJsonFile(join(out, 'data/synth/meta.json')) as SynthMeta;
    expect(data.sharedCategoryIds).toEqual(meta.sharedCategoryIds);
    expect(data.novelCategoryIds).toEqual(meta.novelCategoryIds);
    expect(readdirSync(join(out, 'eval')).sort()).toEqual(
      [
        'gt',
        'pointvis-P1-l5-0-0',
        'pointvis-P1-l5-5-0',
        'pointvis-P1-l5-5-2',
        'st1-pointvis-P1-l5-5-2',
        'visp-P1',
        'visp-cineg-P1',
      ].map((m) => `${m}.json`),
    );

    // 3. A second resume through the CLI: nothing left to run, the report is redrawn.
    const again = await cli(['run', '--out', out, '--resume']);
    expect(again.stdout).toMatch(/run: finished: 0 stages ran, 21 skipped/);
    expect(again.stderr).toMatch(/run \[1\/21\] data skipped \(finished before\)/);
  });

  it('refuses to overwrite a run, to resume nothing, and a changed config on resume', async () => {
    await expect(cli(['run', '--config', configFile, '--out', out])).rejects.toThrow(
      /already holds a run .*continue it with --resume, or choose another --out/,
    );
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    await expect(cli(['run', '--out', empty, '--resume'])).rejects.toThrow(
      /cannot resume: .*run-config\.yaml does not exist/,
    );
    await expect(
      cli(['run', '--config', configFile, '--out', out, '--resume', 'seeds.points=5']),
    ).rejects.toThrow(/the run config differs from the one .* started with \(at seeds\.points\)/);
    await expect(
      cli([
        'run',
        '--config',
        configFile,
        '--out',
        join(dir, 'new'),
        'videoModel.overrides.solver.maxIterr=1',
      ]),
    ).rejects.toThrow(
      /videoModel: command line \(videoModel\.overrides\.solver\.maxIterr=1\): solver\.maxIterr: unknown key/,
    );
    expect(existsSync(join(dir, 'new'))).toBe(false);
  });
});
