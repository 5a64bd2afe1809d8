/**
 * `pointvis infer` as a command: the real (tiny, randomly initialised) Mask2Former on a frames
 * folder, categories from a file; clear errors for frames of different sizes, a missing ffmpeg,
 * a category count that does not match the model, and --merge without shards. The video-file
 * path runs only where ffmpeg is installed.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { mask2formerFromConfig } from '../../model/mask2former/index.js';
import { PointvisDataError } from '../../pointvis/errors.js';
import { loadYtvisResults } from '../../pointvis/formats/ytvis-results.js';
import { loadFrame, savePng } from '../../pointvis/frames/index.js';
import type { RgbFrame } from '../../pointvis/frames/index.js';
import {
  FfmpegMissingError,
  findExecutable,
  frameFolderInput,
  videoFileInput,
} from '../../pointvis/infer/index.js';
import { loadConfigFile } from '../../pointvis/io/config-file.js';
import { writeSafetensorsFile } from '../../runners/node/safetensors-file.js';
import { register } from '../../runners/cli/commands/infer.js';
import { rng, useEngine } from '../util/engine.js';
import { runCapturedCli } from '../util/cli.js';

const CONFIG = 'configs/minvis/cpu-tiny.yaml';
const dir = mkdtempSync(join(tmpdir(), 'pointvis-infer-cli-'));
const FFMPEG = findExecutable('ffmpeg');

function noise(width: number, height: number, seed: number): RgbFrame {
  const random = rng(seed);
  return {
    width,
    height,
    data: Uint8Array.from({ length: width * height * 3 }, () => Math.floor(256 * random())),
  };
}

/** A folder of PNG frames of the given [width, height] sizes, named 00000.png, 00001.png, … */
function frameFolder(name: string, sizes: [number, number][]): string {
  const folder = join(dir, name);
  mkdirSync(folder, { recursive: true });
  sizes.forEach(([w, h], t) =>
    savePng(join(folder, `${String(t).padStart(5, '0')}.png`), noise(w, h, t + 1)),
  );
  return folder;
}

async function runCli(args: string[]): Promise<string> {
  return (await runCapturedCli([register], ['infer', ...args])).stdout;
}

/** Runs `body` with PATH holding only an empty folder (no ffmpeg anywhere). */
async function withoutFfmpeg<T>(body: () => Promise<T>): Promise<T> {
  const saved = process.env.PATH;
  process.env.PATH = mkdtempSync(join(dir, 'empty-path-'));
  try {
    return await body();
  } finally {
    process.env.PATH = saved;
  }
}

const categories = Array.from({ length: 8 }, (_, k) => ({ id: 100 + 7 * k, name: `thing-${k}` }));
let weights: string;

beforeAll(async () => {
  await useEngine();
  const model = mask2formerFromConfig(loadConfigFile(CONFIG));
  weights = join(dir, 'random.safetensors');
  await writeSafetensorsFile(weights, model.stateDict());
  model.dispose();
  writeFileSync(join(dir, 'categories.json'), JSON.stringify({ categories }));
  writeFileSync(join(dir, 'three.json'), JSON.stringify(categories.slice(0, 3)));
});
afterEach(() => vi.restoreAllMocks());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pointvis infer', () => {
  it('runs the tiny Mask2Former on a frames folder: top-10 results at the frames size, ids from --categories', async () => {
    // 48×40 frames: resized to short side 64 (77×64), padded to 96×64, masks back at 48×40.
    const frames = frameFolder('clip', [
      [48, 40],
      [48, 40],
      [48, 40],
    ]);
    const out = join(dir, 'out');
    const text = await runCli([
      '--config',
      CONFIG,
      '--weights',
      weights,
      '--frames',
      frames,
      '--out',
      out,
      '--categories',
      join(dir, 'categories.json'),
    ]);
    expect(text).toMatch(/1 videos, 3 frames .* 10 results written to .*results\.json/);
    const results = loadYtvisResults(join(out, 'results.json'));
    expect(results).toHaveLength(10);
    const ids = new Set(categories.map((c) => c.id));
    for (const r of results) {
      expect(r.video_id).toBe(1);
      expect(ids.has(r.category_id)).toBe(true);
      expect(r.segmentations).toHaveLength(3);
      for (const s of r.segmentations) expect(s!.size).toEqual([40, 48]);
    }
    // Scores are class probabilities, highest first.
    const scores = results.map((r) => r.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(scores.every((s) => s > 0 && s < 1)).toBe(true);
  });

  it('frames of different sizes in one folder: an error naming the frame', async () => {
    const frames = frameFolder('mixed', [
      [64, 64],
      [64, 64],
      [64, 48],
    ]);
    expect(() => frameFolderInput(frames)).toThrow(PointvisDataError);
    expect(() => frameFolderInput(frames)).toThrow(
      /frame 00002\.png is 64×48, but the first frame 00000\.png is 64×64/,
    );
    await expect(
      runCli(['--config', CONFIG, '--weights', weights, '--frames', frames, '--out', join(dir, 'never')]),
    ).rejects.toThrow(/00002\.png is 64×48/);
  });

  it('a video file without ffmpeg: an error saying to install it', async () => {
    const video = join(dir, 'clip.mp4');
    writeFileSync(video, 'not really a video');
    await withoutFfmpeg(async () => {
      await expect(videoFileInput(video)).rejects.toThrow(FfmpegMissingError);
      await expect(videoFileInput(video)).rejects.toThrow(/ffmpeg is not installed.*apt-get install ffmpeg/);
      await expect(
        runCli(['--config', CONFIG, '--weights', weights, '--video', video, '--out', join(dir, 'never')]),
      ).rejects.toThrow(/apt-get install ffmpeg/);
    });
  });

  it.skipIf(FFMPEG === null)(
    `a video file through ffmpeg: every frame at its size${FFMPEG === null ? ' (skipped: ffmpeg is not on PATH)' : ''}`,
    async () => {
      const frames = frameFolder(
        'for-video',
        Array.from({ length: 5 }, () => [48, 32] as [number, number]),
      );
      const video = join(dir, 'clip.mkv');
      const made = spawnSync(FFMPEG!, [
        '-loglevel',
        'error',
        '-i',
        join(frames, '%05d.png'),
        '-c:v',
        'ffv1',
        video,
      ]);
      expect(made.status, String(made.stderr)).toBe(0);
      const input = await videoFileInput(video);
      try {
        expect(input.videos).toHaveLength(1);
        const v = input.videos[0]!.video;
        expect([v.length, v.width, v.height]).toEqual([5, 48, 32]);
        expect(input.videos[0]!.name).toBe('clip');
        // ffv1 is lossless: every decoded frame equals its source, in order.
        v.file_names.forEach((file, t) => {
          const decoded = loadFrame(join(input.videos[0]!.framesRoot, file));
          const source = loadFrame(join(frames, `${String(t).padStart(5, '0')}.png`));
          expect(Buffer.from(decoded.data).equals(Buffer.from(source.data)), `frame ${t}`).toBe(true);
        });
      } finally {
        input.dispose();
      }
    },
  );

  it('a categories file whose count differs from the model classes: a clear error', async () => {
    const frames = frameFolder('clip2', [[32, 32]]);
    await expect(
      runCli([
        '--config',
        CONFIG,
        '--weights',
        weights,
        '--frames',
        frames,
        '--out',
        join(dir, 'never'),
        '--categories',
        join(dir, 'three.json'),
      ]),
    ).rejects.toThrow(/the model has 8 classes but .*three\.json lists 3 categories/);
  });

  it('--merge of a folder without finished shards, and no input at all: clear errors', async () => {
    await expect(runCli(['--merge', join(dir, 'nothing-here')])).rejects.toThrow(/no finished shards/);
    await expect(runCli(['--config', CONFIG, '--weights', weights, '--out', join(dir, 'x')])).rejects.toThrow(
      /exactly one of --frames DIR, --video FILE, --data FILE/,
    );
  });
});
