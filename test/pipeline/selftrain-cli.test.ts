// `pointvis selftrain` end to end in process on 2 synthetic videos with a tiny random-init video
// model and one iteration per round: outputs, confidence scoring, and a resume that does nothing.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mask2formerFromConfig } from '../../model/mask2former/index.js';
import { parseYtvis, saveYtvis } from '../../pointvis/formats/index.js';
import { loadConfigFile } from '../../pointvis/io/config-file.js';
import { saveCheckpointFile } from '../../pointvis/io/checkpoint-file.js';
import { annotatePoints, parsePointScheme } from '../../pointvis/points/index.js';
import { register as registerSelftrain } from '../../runners/cli/commands/selftrain.js';
import { useEngine } from '../util/engine.js';
import { removeTempDirs, synthVideos, tempDir } from './proposals-fixtures.js';
import { runCapturedCli } from '../util/cli.js';

const CONFIG = 'configs/pointvis/cpu-tiny.yaml';
const TINY = [
  'solver.imsPerBatch=1',
  'solver.steps=[]',
  'solver.maxIter=1',
  'solver.logPeriod=1',
  'solver.checkpointPeriod=1',
  'model.swin.depths=[1,1,1,1]',
  'model.decoder.layers=1',
  'model.decoder.numQueries=8',
  'loss.numPoints=256',
  'loss.matcher.numPoints=256',
];

let dir: string;
let dataFile: string;
let framesRoot: string;
let pointsFile: string;
let weights: string;

beforeAll(async () => {
  await useEngine();
  const synth = synthVideos(3, 7);
  dir = tempDir('pointvis-selftrain-');
  // Two of the three videos, written as the run's dataset.
  const dataset = { ...synth.dataset, videos: synth.dataset.videos.slice(0, 2) };
  const kept = new Set(dataset.videos.map((v) => v.id));
  dataset.annotations = synth.dataset.annotations.filter((a) => kept.has(a.video_id));
  dataFile = join(dir, 'train.json');
  saveYtvis(dataFile, dataset);
  framesRoot = synth.framesRoot;
  const { dataset: points } = annotatePoints(dataset, {
    scheme: parsePointScheme('P1N1'),
    positive: 'random',
    negative: 'inbox',
    frameRatio: 1,
    seed: 3,
    keepMasks: true,
  });
  pointsFile = join(dir, 'points.json');
  saveYtvis(pointsFile, points);
  // A random-init video model stands in for the trained one.
  const config = loadConfigFile(CONFIG, TINY);
  const model = mask2formerFromConfig(config);
  weights = join(dir, 'init.safetensors');
  await saveCheckpointFile(weights, model, null, { iteration: 0, config });
  model.dispose();
}, 60_000);
afterAll(removeTempDirs);

function cli(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return runCapturedCli([registerSelftrain], args);
}

const mtime = (path: string) => statSync(path).mtimeMs;

describe('pointvis selftrain (CLI)', () => {
  it('runs one round, then a resume skips every stage', async () => {
    const out = join(dir, 'run');
    const args = [
      'selftrain',
      '--config',
      CONFIG,
      '--weights',
      weights,
      '--data',
      dataFile,
      '--frames',
      framesRoot,
      '--points',
      pointsFile,
      '--out',
      out,
      ...TINY,
    ];
    const first = await cli(args);
    const round = join(out, 'round-1');
    const pseudoFile = join(round, 'pseudo.json');
    const finalWeights = join(round, 'train', 'model_final.safetensors');
    const manifest = join(round, 'proposals', 'shard-0-of-1.json');
    for (const path of [manifest, pseudoFile, finalWeights, join(out, 'selftrain.json')]) {
      expect(existsSync(path), path).toBe(true);
    }
    // Proposals of exactly the two videos of the run's dataset.
    const videos = parseYtvis(JSON.parse(readFileSync(dataFile, 'utf8')), dataFile).videos.map((v) => v.id);
    expect((JSON.parse(readFileSync(manifest, 'utf8')) as { videos: number[] }).videos).toEqual(videos);
    const pseudo = parseYtvis(JSON.parse(readFileSync(pseudoFile, 'utf8')), pseudoFile);
    expect(pseudo.videos.map((v) => v.id)).toEqual(videos);
    expect(pseudo.info?.pseudo_labels).toMatchObject({ score: 'confidence' });
    const summary = JSON.parse(readFileSync(join(round, 'pseudo.summary.json'), 'utf8')) as {
      score: string;
      lambda: number[];
      miou: number | null;
      objects: number;
    };
    expect(summary.score).toBe('confidence');
    expect(summary.lambda).toEqual([5, 5, 2]); // configs/pointvis/point-supervision.yaml
    // The points keep their masks: the mIoU is measured.
    expect(summary.miou).not.toBeNull();
    expect(summary.miou!).toBeGreaterThanOrEqual(0);
    expect(summary.miou!).toBeLessThanOrEqual(1);
    const objects = JSON.parse(readFileSync(pointsFile, 'utf8')).annotations.length as number;
    expect(summary.objects).toBe(objects);
    expect(first.stdout).toMatch(
      /selftrain round 1\/1: pseudo mIoU \d+\.\d\d \(score confidence, \d+\/\d+ objects labelled\); train finished at iteration 1, final loss \d+\.\d{4}; stages proposals ran, pseudo ran, train ran/,
    );
    // Round 1's training started from the given weights.
    expect(first.stderr).toContain(`from ${weights}`);
    expect(first.stdout).toContain(`final weights ${finalWeights}`);

    const before = [manifest, pseudoFile, finalWeights].map(mtime);
    const second = await cli([...args, '--resume']);
    expect(second.stdout).toMatch(/stages proposals skipped, pseudo skipped, train skipped/);
    // The skipped training still reports its last logged loss, the same as the first run's.
    const loss = (text: string) => /final loss (\d+\.\d{4})/.exec(text)?.[1];
    expect(loss(second.stdout)).toBe(loss(first.stdout));
    expect([manifest, pseudoFile, finalWeights].map(mtime)).toEqual(before);
    expect(second.stderr).not.toContain('proposals from');

    // Without --resume an existing run is not overwritten.
    await expect(cli(args)).rejects.toThrow(/already holds round-1/);
  }, 60_000);
});
