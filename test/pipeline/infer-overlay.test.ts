/**
 * `infer --overlays` with the exact (full-resolution) ground-truth stand-in: each frame's overlay
 * has the frame's size, every object's pixels carry one colour per track (blended inside, solid
 * on the boundary), all other pixels are the frame's own; the figure strip has a legend.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFrame } from '../../pointvis/frames/index.js';
import { datasetInput, runInference } from '../../pointvis/infer/index.js';
import { decodeMask, toRle } from '../../pointvis/rle/index.js';
import { OBJECT_COLORS } from '../../pointvis/viz/draw.js';
import { useEngine } from '../util/engine.js';
import {
  type SynthVideos,
  groundTruthModel,
  subsetFile,
  synthValidSplit,
  tinySettings,
} from './infer-fixtures.js';

let synth: SynthVideos;

beforeAll(async () => {
  await useEngine();
  synth = synthValidSplit();
});
afterAll(() => rmSync(synth.dir, { recursive: true, force: true }));

type Rgb = [number, number, number];
const at = (data: Uint8Array, p: number): Rgb => [data[3 * p]!, data[3 * p + 1]!, data[3 * p + 2]!];
const key = (c: Rgb) => c.join(',');

describe('infer overlays', () => {
  it('per-frame overlays: frame size, one colour per track at its mask pixels, the frame elsewhere', async () => {
    const videos = synth.dataset.videos.slice(0, 2);
    const dataFile = subsetFile(
      synth,
      'two-videos.json',
      videos.map((v) => v.id),
    );
    const outDir = join(synth.dir, 'overlay-run');
    const input = datasetInput(dataFile, synth.framesRoot);
    const run = await runInference({
      input,
      outDir,
      modelFor: groundTruthModel(synth.dataset, { queries: 6, stride: 1, seed: 4 }),
      modelName: 'stand-in',
      settings: tinySettings(8),
      categories: input.categories!,
      overlays: { minScore: 0.5 },
    });
    expect(run.strips).toHaveLength(2);
    const palette = new Set(OBJECT_COLORS.map((c) => key([...c] as Rgb)));

    for (const video of videos) {
      const name = video.file_names[0]!.split('/')[0]!;
      const dir = join(outDir, 'overlays', name);
      expect(readdirSync(dir).sort()).toEqual(
        video.file_names.map((f) => `${basename(f, extname(f))}.png`).sort(),
      );
      const objects = synth.dataset.annotations.filter((a) => a.video_id === video.id);
      const trackColors = new Map<number, string>();
      const wrong: string[] = [];
      video.file_names.forEach((file, t) => {
        const frame = loadFrame(join(synth.framesRoot, file));
        const overlay = loadFrame(join(dir, `${basename(file, extname(file))}.png`));
        expect([overlay.width, overlay.height]).toEqual([video.width, video.height]);
        const owner = new Int32Array(video.width * video.height).fill(-1);
        const masks = objects.map((a) => {
          const s = a.segmentations![t];
          return s ? decodeMask(toRle(s, video.height, video.width, { file: 'gt', field: 'seg' })) : null;
        });
        masks.forEach((m, k) =>
          m?.forEach((v, p) => {
            if (!v) return;
            expect(owner[p], 'ground-truth masks do not overlap').toBe(-1);
            owner[p] = k;
          }),
        );
        // A mask pixel with a 4-neighbour outside the mask (or outside the frame) is boundary.
        const isEdge = (p: number, mask: Uint8Array) => {
          const [x, y] = [p % video.width, Math.floor(p / video.width)];
          const on = (xx: number, yy: number) =>
            xx >= 0 && yy >= 0 && xx < video.width && yy < video.height && mask[yy * video.width + xx] === 1;
          return !on(x - 1, y) || !on(x + 1, y) || !on(x, y - 1) || !on(x, y + 1);
        };
        for (let p = 0; p < owner.length; p++) {
          const k = owner[p]!;
          const got = at(overlay.data, p);
          if (k < 0) {
            if (key(got) !== key(at(frame.data, p)))
              wrong.push(`frame ${t} pixel ${p}: changed outside every object`);
          } else if (isEdge(p, masks[k]!)) {
            // The boundary shows the track colour itself, the same in every frame.
            const seen = trackColors.get(k);
            if (seen === undefined) trackColors.set(k, key(got));
            else if (key(got) !== seen)
              wrong.push(`frame ${t} pixel ${p}: object ${k} is ${key(got)}, earlier ${seen}`);
          }
        }
        // Inside: the colour blended half and half with the frame.
        for (let p = 0; p < owner.length; p++) {
          const k = owner[p]!;
          if (k < 0 || isEdge(p, masks[k]!)) continue;
          const color = trackColors.get(k)!.split(',').map(Number);
          const blended = at(frame.data, p).map((v, c) => Math.round(0.5 * v + 0.5 * color[c]!)) as Rgb;
          if (key(at(overlay.data, p)) !== key(blended))
            wrong.push(
              `frame ${t} pixel ${p}: object ${k} inside is ${key(at(overlay.data, p))}, not ${key(blended)}`,
            );
        }
      });
      expect(wrong.slice(0, 5)).toEqual([]);
      // Every object got a palette colour, and tracks differ.
      expect(trackColors.size).toBe(objects.length);
      for (const c of trackColors.values()) expect(palette.has(c)).toBe(true);
      expect(new Set(trackColors.values()).size).toBe(objects.length);

      const strip = join(outDir, 'overlays', `${name}.strip.png`);
      expect(existsSync(strip)).toBe(true);
      const picture = loadFrame(strip);
      expect(picture.width).toBeGreaterThan((5 * picture.height) / 2);
      // The legend holds a swatch of every track colour.
      const colours = new Set<string>();
      for (let p = 0; p < picture.width * picture.height; p++) colours.add(key(at(picture.data, p)));
      for (const c of trackColors.values()) expect(colours.has(c)).toBe(true);
    }
  });
});
