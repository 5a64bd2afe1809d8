import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import jpeg from 'jpeg-js';
import { loadCoco, loadYtvis } from '../../pointvis/formats';
import type { CocoDataset, YtvisDataset } from '../../pointvis/formats/types';
import { decodeMask, toRle } from '../../pointvis/rle';
import {
  generateSynth,
  SYNTH_PRESETS,
  type SynthMeta,
  type SynthPreset,
  type Rgb,
} from '../../pointvis/synth';

// The synthetic benchmark as written to disk: layout, determinism, validity, and masks that match
// the pixels. The real tiny preset is generated once (about a second and a half).

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pointvis-synth-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else out.push(relative(dir, path));
    }
  };
  walk(dir);
  return out.sort();
}

/** Distance in RGB space from colour c to the segment between a and b. */
function distanceToSegment(c: ArrayLike<number>, a: Rgb, b: Rgb): number {
  const ab = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
  const ac = [c[0] - a[0], c[1] - a[1], c[2] - a[2]];
  const len2 = ab[0] ** 2 + ab[1] ** 2 + ab[2] ** 2;
  const t = len2 === 0 ? 0 : Math.min(1, Math.max(0, (ab[0] * ac[0] + ab[1] * ac[1] + ab[2] * ac[2]) / len2));
  return Math.hypot(ac[0] - t * ab[0], ac[1] - t * ab[1], ac[2] - t * ab[2]);
}

/** Mask pixels whose 8 neighbours are all in the mask: away from edges blurred by JPEG. */
function interiorPixels(mask: Uint8Array, height: number, width: number): number[] {
  const interior: number[] = [];
  for (let i = 1; i < height - 1; i++) {
    for (let j = 1; j < width - 1; j++) {
      let all = true;
      for (let di = -1; di <= 1; di++)
        for (let dj = -1; dj <= 1; dj++) all &&= mask[(i + di) * width + j + dj] !== 0;
      if (all) interior.push(i * width + j);
    }
  }
  return interior;
}

function readJpeg(path: string) {
  return jpeg.decode(readFileSync(path), { useTArray: true, formatAsRGBA: false });
}

const SMALLER_TINY: SynthPreset = {
  ...SYNTH_PRESETS.tiny,
  images: { ...SYNTH_PRESETS.tiny.images, train: 3, valid: 2 },
  videos: { ...SYNTH_PRESETS.tiny.videos, train: 3, valid: 2 },
};

describe('synth: determinism', () => {
  test('the same seed gives byte-identical files; another seed gives different ones', () => {
    const [a, b, c] = [tempDir(), tempDir(), tempDir()];
    generateSynth({ outDir: a, preset: SMALLER_TINY, seed: 11 });
    generateSynth({ outDir: b, preset: SMALLER_TINY, seed: 11 });
    generateSynth({ outDir: c, preset: SMALLER_TINY, seed: 12 });
    const files = listFiles(a);
    expect(files).toEqual(listFiles(b));
    expect(files.length).toBeGreaterThan(20);
    for (const file of files)
      expect(readFileSync(join(b, file)).equals(readFileSync(join(a, file))), file).toBe(true);
    const differing = listFiles(c).filter((file) => {
      try {
        return !readFileSync(join(a, file)).equals(readFileSync(join(c, file)));
      } catch {
        return true; // absent in a (another video length)
      }
    });
    expect(differing).toContain('videos/train.json');
    expect(differing).toContain('images/train/000001.jpg');
  });

  test('refuses a non-empty foreign directory, replaces an earlier synth output', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    expect(() => generateSynth({ outDir: dir, preset: SMALLER_TINY, seed: 1 })).toThrow(/not empty/);

    const previous = tempDir();
    generateSynth({ outDir: previous, preset: SMALLER_TINY, seed: 1 });
    mkdirSync(join(previous, 'videos', 'train', 'video_0099'));
    writeFileSync(join(previous, 'videos', 'train', 'video_0099', '00000.jpg'), 'stale');
    generateSynth({ outDir: previous, preset: SMALLER_TINY, seed: 1 });
    expect(listFiles(previous).some((f) => f.includes('video_0099'))).toBe(false);
  });
});

describe('synth: the tiny preset on disk', () => {
  const preset = SYNTH_PRESETS.tiny;
  let dir: string;
  let meta: SynthMeta;
  let videos: Record<'train' | 'valid', YtvisDataset>;
  let images: Record<'train' | 'valid', CocoDataset>;

  beforeAll(() => {
    dir = tempDir();
    generateSynth({ outDir: dir, preset, seed: 1 });
    meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as SynthMeta;
    // The project's own validating loaders: the files are valid YouTube-VIS / COCO.
    videos = {
      train: loadYtvis(join(dir, 'videos/train.json')),
      valid: loadYtvis(join(dir, 'videos/valid.json')),
    };
    images = {
      train: loadCoco(join(dir, 'images/train.json')),
      valid: loadCoco(join(dir, 'images/valid.json')),
    };
  });

  test('meta.json: shared and novel categories as configured', () => {
    expect(meta.seed).toBe(1);
    expect(meta.preset).toEqual(preset);
    expect(meta.sharedCategoryIds).toEqual([1, 2, 3, 4, 5, 6]);
    expect(meta.novelCategoryIds).toEqual([7, 8]);
    const names = meta.categories.map((c) => c.name);
    expect(new Set(names).size).toBe(8);
    expect(new Set(meta.categories.map((c) => c.shape)).size).toBe(8); // eight different silhouettes
    expect(videos.train.categories.map((c) => c.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(images.train.categories.map((c) => c.id)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  test('counts and sizes follow the preset', () => {
    for (const split of ['train', 'valid'] as const) {
      const vids = videos[split];
      expect(vids.videos).toHaveLength(preset.videos[split]);
      expect(images[split].images).toHaveLength(preset.images[split]);
      for (const video of vids.videos) {
        expect([video.height, video.width]).toEqual([64, 64]);
        expect(video.length).toBeGreaterThanOrEqual(preset.videos.frames[0]);
        expect(video.length).toBeLessThanOrEqual(preset.videos.frames[1]);
        const objects = vids.annotations.filter((a) => a.video_id === video.id).length;
        expect(objects).toBeGreaterThanOrEqual(1);
        expect(objects).toBeLessThanOrEqual(preset.videos.objects[1]);
        for (const name of video.file_names) {
          const frame = readJpeg(join(dir, 'videos', split, name));
          expect([frame.height, frame.width]).toEqual([64, 64]);
        }
      }
      for (const image of images[split].images) {
        const objects = images[split].annotations.filter((a) => a.image_id === image.id).length;
        expect(objects).toBeLessThanOrEqual(preset.images.objects[1]);
      }
      expect(meta.counts.videos[split].videos).toBe(vids.videos.length);
      expect(meta.counts.videos[split].annotations).toBe(vids.annotations.length);
      expect(meta.counts.videos[split].frames).toBe(vids.videos.reduce((n, v) => n + v.length, 0));
      expect(meta.counts.images[split].annotations).toBe(images[split].annotations.length);
    }
    expect(listFiles(join(dir, 'images/train'))).toHaveLength(preset.images.train);
    // Several objects per video, some sharing a category; novel categories only in videos.
    const all = [...videos.train.annotations, ...videos.valid.annotations];
    expect(all.some((a) => a.category_id > 6)).toBe(true);
    const sharing = videos.train.videos.filter((v) => {
      const cats = videos.train.annotations.filter((a) => a.video_id === v.id).map((a) => a.category_id);
      return new Set(cats).size < cats.length;
    });
    expect(sharing.length).toBeGreaterThan(0);
    for (const split of ['train', 'valid'] as const) {
      for (const a of images[split].annotations) expect(a.category_id).toBeLessThanOrEqual(6);
    }
  });

  test('annotations: areas and boxes measured from the masks, nulls where absent, iscrowd 0', () => {
    let nullFrames = 0;
    let bornLate = 0;
    for (const split of ['train', 'valid'] as const) {
      for (const a of videos[split].annotations) {
        expect(a.iscrowd).toBe(0);
        const segs = a.segmentations ?? [];
        segs.forEach((seg, t) => {
          if (seg === null) {
            nullFrames++;
            expect(a.areas?.[t]).toBeNull();
            expect(a.bboxes?.[t]).toBeNull();
            return;
          }
          expect(typeof (seg as { counts: unknown }).counts).toBe('string'); // compressed RLE
          const mask = decodeMask(toRle(seg, 64, 64, { file: 'test', field: 'seg' }));
          let area = 0;
          let [x0, y0, x1, y1] = [64, 64, -1, -1];
          mask.forEach((m, p) => {
            if (!m) return;
            area++;
            const [i, j] = [Math.floor(p / 64), p % 64];
            [x0, y0, x1, y1] = [Math.min(x0, j), Math.min(y0, i), Math.max(x1, j), Math.max(y1, i)];
          });
          expect(a.areas?.[t]).toBe(area);
          expect(area).toBeGreaterThanOrEqual(preset.minVisibleArea); // tiny slivers are not annotated
          expect(a.bboxes?.[t]).toEqual([x0, y0, x1 - x0 + 1, y1 - y0 + 1]);
        });
        if (segs[0] === null && segs.some((s) => s !== null)) bornLate++;
      }
    }
    expect(nullFrames).toBeGreaterThan(0);
    expect(bornLate).toBeGreaterThan(0);
  });

  test('mask pixels show the category colours; the ring just outside them mostly does not', () => {
    const colors = new Map(meta.categories.map((c) => [c.id, c.colors]));
    let inside = 0;
    let insideFar = 0;
    let ring = 0;
    let ringNear = 0;
    for (const video of videos.valid.videos) {
      const annotations = videos.valid.annotations.filter((a) => a.video_id === video.id);
      video.file_names.forEach((name, t) => {
        const frame = readJpeg(join(dir, 'videos/valid', name));
        const masks = annotations.map((a) => {
          const seg = a.segmentations?.[t] ?? null;
          return seg === null
            ? new Uint8Array(64 * 64)
            : decodeMask(toRle(seg, 64, 64, { file: 'test', field: 'seg' }));
        });
        const anyObject = new Uint8Array(64 * 64);
        for (const m of masks) m.forEach((v, p) => (anyObject[p] |= v));
        annotations.forEach((a, k) => {
          const [c0, c1] = colors.get(a.category_id) as [Rgb, Rgb];
          const colorAt = (p: number) => frame.data.subarray(p * 3, p * 3 + 3);
          for (const p of interiorPixels(masks[k], 64, 64)) {
            inside++;
            if (distanceToSegment(colorAt(p), c0, c1) > 45) insideFar++;
          }
          // Background pixels two steps outside the mask (clear of JPEG blur at the edge).
          for (let p = 0; p < 64 * 64; p++) {
            const [i, j] = [Math.floor(p / 64), p % 64];
            if (anyObject[p]) continue;
            let nearMask = false;
            for (let di = -2; di <= 2; di++) {
              for (let dj = -2; dj <= 2; dj++) {
                const [ii, jj] = [i + di, j + dj];
                if (ii >= 0 && jj >= 0 && ii < 64 && jj < 64 && anyObject[ii * 64 + jj]) nearMask = true;
              }
            }
            const touches = (ii: number, jj: number) =>
              ii >= 0 && jj >= 0 && ii < 64 && jj < 64 && masks[k][ii * 64 + jj] === 1;
            const ringPixel =
              touches(i - 3, j) || touches(i + 3, j) || touches(i, j - 3) || touches(i, j + 3);
            if (!nearMask && ringPixel) {
              ring++;
              if (distanceToSegment(colorAt(p), c0, c1) < 20) ringNear++;
            }
          }
        });
      });
    }
    expect(inside).toBeGreaterThan(1000);
    expect(insideFar / inside).toBeLessThan(0.01);
    expect(ring).toBeGreaterThan(500);
    expect(ringNear / ring).toBeLessThan(0.05);
  });
});
