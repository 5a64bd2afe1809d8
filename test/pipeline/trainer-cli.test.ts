// `pointvis pretrain` and `pointvis train` end to end on the synthetic tiny preset, with a tiny
// model and a few iterations (in process: the commands share one engine and its compiled kernels).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCheckpointFile } from '../../pointvis/io/checkpoint-file.js';
import { generateSynth, SYNTH_PRESETS } from '../../pointvis/synth/index.js';
import { register as registerPoints } from '../../runners/cli/commands/points.js';
import { register as registerPretrain } from '../../runners/cli/commands/pretrain.js';
import { register as registerTrain } from '../../runners/cli/commands/train.js';
import { runCapturedCli } from '../util/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'pointvis-train-cli-'));
const synth = join(dir, 'synth');
generateSynth({ outDir: synth, preset: SYNTH_PRESETS.tiny, seed: 0 });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Smaller than cpu-tiny so an iteration takes seconds on SwiftShader.
const TINY_MODEL = [
  'solver.imsPerBatch=1',
  'solver.steps=[]',
  'model.swin.depths=[1,1,1,1]',
  'model.decoder.layers=1',
  'model.decoder.numQueries=8',
  'loss.numPoints=256',
  'loss.matcher.numPoints=256',
];

function cli(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return runCapturedCli([registerPretrain, registerTrain, registerPoints], args);
}

const metricsOf = (run: string) =>
  readFileSync(join(run, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, number>);

describe('pointvis pretrain / train', () => {
  const pretrainRun = join(dir, 'pretrain');

  it('pretrains for 2 iterations, then resumes to 3', async () => {
    const common = [
      'pretrain',
      '--config',
      'configs/mask2former/cpu-tiny.yaml',
      '--data',
      join(synth, 'images/train.json'),
      '--out',
      pretrainRun,
      '--keep-checkpoints',
      '1',
      ...TINY_MODEL,
      'solver.logPeriod=1',
      'solver.checkpointPeriod=1',
    ];
    const first = await cli([...common, 'solver.maxIter=2']);
    expect(first.stdout).toMatch(/pretrain: finished at iteration 2\/2; total_loss \d+\.\d+/);
    expect(first.stderr).toContain('48 training images');
    const metrics = metricsOf(pretrainRun);
    expect(metrics.map((r) => r.iteration)).toEqual([1, 2]);
    // Deep supervision over 1 layer: the terms of the query prediction (_0) and the last one.
    for (const key of [
      'loss_ce',
      'loss_mask',
      'loss_dice',
      'loss_ce_0',
      'loss_mask_0',
      'loss_dice_0',
      'grad_norm',
    ]) {
      expect(Number.isFinite(metrics[1]![key])).toBe(true);
    }
    expect(metrics[1]!.total_loss).toBeCloseTo(
      Object.entries(metrics[1]!)
        .filter(([k]) => k.startsWith('loss_'))
        .reduce((s, [, v]) => s + v, 0),
      3,
    );

    const second = await cli([...common, '--resume', 'solver.maxIter=3']);
    expect(second.stderr).toContain('resumed from');
    expect(second.stdout).toMatch(/finished at iteration 3\/3/);
    expect(metricsOf(pretrainRun).map((r) => r.iteration)).toEqual([1, 2, 3]);
    expect(readFileSync(join(pretrainRun, 'last_checkpoint'), 'utf8').trim()).toBe(
      'checkpoints/model_0000003.safetensors',
    );
    expect(existsSync(join(pretrainRun, 'checkpoints/model_0000002.safetensors'))).toBe(false); // keep 1
    const final = readCheckpointFile(join(pretrainRun, 'model_final.safetensors'));
    expect(final.iteration).toBe(3);
    // Random state continued across the resume: 3 samples drawn (batch 1), 3 criterion calls, and
    // drop-path (two calls per Swin block and step) 6 draws where its rate is above 0 — the first
    // block's rate is 0 (linspace from 0), so it is the identity and never draws.
    expect(final.rng.data).toEqual({ data: { epoch: 0, position: 3 }, task: { criterionDraws: 3 } });
    expect(final.rng.modules['backbone.layers.0.blocks.0.drop_path']).toBe(0);
    for (const stage of [1, 2, 3])
      expect(final.rng.modules[`backbone.layers.${stage}.blocks.0.drop_path`]).toBe(6);
  });

  it('trains the VISP+CINeg baseline on synthetic video points from the image model', async () => {
    const points = join(dir, 'points.json');
    await cli(['points', '--in', join(synth, 'videos/train.json'), '--out', points, '--scheme', 'P1N1']);
    const run = join(dir, 'visp');
    const { stdout, stderr } = await cli([
      'train',
      '--config',
      'configs/minvis/cpu-tiny.yaml',
      '--data',
      join(synth, 'videos/train.json'),
      '--points',
      points,
      '--baseline',
      'visp-cineg',
      '--init',
      join(pretrainRun, 'model_final.safetensors'),
      '--out',
      run,
      ...TINY_MODEL,
      'solver.maxIter=1',
    ]);
    expect(stdout).toMatch(/train: finished at iteration 1\/1/);
    // 6 image classes → 8 video classes: the class head stays at its init.
    expect(stderr).toContain('left at init (shape differs): sem_seg_head.predictor.class_embed.weight');
    const [record] = metricsOf(run);
    expect(Object.keys(record!)).toEqual(expect.arrayContaining(['loss_ce', 'loss_point', 'loss_point_0']));
    expect(Number.isFinite(record!.loss_point)).toBe(true);

    // Pseudo masks (here the ground truth stands in for them) on the point-annotated frames only.
    const pseudoRun = join(dir, 'pseudo');
    const pseudo = await cli([
      'train',
      '--config',
      'configs/minvis/cpu-tiny.yaml',
      '--data',
      join(synth, 'videos/train.json'),
      '--pseudo',
      join(synth, 'videos/train.json'),
      '--points',
      points,
      '--init',
      join(pretrainRun, 'model_final.safetensors'),
      '--out',
      pseudoRun,
      ...TINY_MODEL,
      'solver.maxIter=1',
    ]);
    expect(pseudo.stdout).toMatch(/train: finished at iteration 1\/1/);
    expect(pseudo.stderr).toMatch(/\d+ training frames \(pseudo\)/);
    expect(Object.keys(metricsOf(pseudoRun)[0]!)).toEqual(expect.arrayContaining(['loss_mask', 'loss_dice']));
  });

  it('explains bad combinations before starting', async () => {
    const video = ['--config', 'configs/minvis/cpu-tiny.yaml', '--data', join(synth, 'videos/train.json')];
    await expect(cli(['train', ...video, '--points', 'p.json'])).rejects.toThrow(/--points needs --baseline/);
    await expect(cli(['train', ...video, '--baseline', 'visp'])).rejects.toThrow(/--baseline needs --points/);
    await expect(cli(['pretrain', ...video])).rejects.toThrow(
      /'video-instance' config; pretrain trains 'image-instance'/,
    );
    await expect(cli(['train', ...video, 'model.numClasses=5', '--out', join(dir, 'x')])).rejects.toThrow(
      /has 8 categories .* model.numClasses 5: pass model.numClasses=8/,
    );
    await expect(
      cli(['pretrain', '--config', 'configs/mask2former/cpu-tiny.yaml', '--data', join(dir, 'missing.json')]),
    ).rejects.toThrow(/missing.json do not exist \(--data\)/);
  });
});
