import jpeg from 'jpeg-js';
import {
  buildCategories,
  ownerMask,
  renderVideoScene,
  Rng,
  SHAPE_NAMES,
  SHAPES,
  SYNTH_PRESETS,
  TEXTURE_NAMES,
  type ObjectTrack,
  type SynthPreset,
} from '../../pointvis/synth';
import { encodeRgbJpeg } from '../../pointvis/synth/jpeg';
import { renderFrame } from '../../pointvis/synth/render';
import { poseAt } from '../../pointvis/synth/scene';

// The pieces behind the synthetic benchmark: random streams, shapes, occlusion, birth and death,
// preset sizes and the JPEG encoder.

const categories = buildCategories(6, 2);
const disk = categories.find((c) => c.shape === 'disk');
if (disk === undefined) throw new Error('the first categories include a disk');

function still(x: number, y: number, radius: number, depth: number): ObjectTrack {
  return {
    category: disk!,
    depth,
    birth: 0,
    death: 1,
    x0: x,
    y0: y,
    vx: 0,
    vy: 0,
    ax: 0,
    ay: 0,
    radius0: radius,
    scaleRate: 0,
    angle0: 0,
    spin: 0,
  };
}

/** Pixels of an h×w grid whose centre lies in the closed disk — counted directly. */
function diskPixels(h: number, w: number, cx: number, cy: number, r: number): Set<number> {
  const set = new Set<number>();
  for (let i = 0; i < h; i++)
    for (let j = 0; j < w; j++) if ((j + 0.5 - cx) ** 2 + (i + 0.5 - cy) ** 2 <= r * r) set.add(i * w + j);
  return set;
}

const flatBackground = (h: number, w: number) => new Float32Array(h * w * 3).fill(128);
const settings = { texturePeriod: 4, minVisibleArea: 4, backgroundNoise: 0 };

describe('Rng', () => {
  test('same seed and labels give the same stream; forks are independent of draw order', () => {
    const a = Rng.fromSeed(42);
    const b = Rng.fromSeed(42);
    const drawsA = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(drawsA);
    expect(Rng.fromSeed(43).nextUint32()).not.toBe(drawsA[0]);
    // A fork does not depend on how much the parent has drawn.
    expect(a.fork('video', 3).next()).toBe(Rng.fromSeed(42).fork('video', 3).next());
    expect(a.fork('video', 3).next()).not.toBe(a.fork('video', 4).next());
    expect(Rng.fromSeed(-1).next()).not.toBe(Rng.fromSeed(2 ** 32 - 1).next());
  });

  test('uniform draws look uniform', () => {
    const rng = Rng.fromSeed(7);
    const bins = new Array(10).fill(0);
    let sum = 0;
    for (let n = 0; n < 20000; n++) {
      const u = rng.next();
      expect(u >= 0 && u < 1).toBe(true);
      bins[Math.floor(u * 10)]++;
      sum += u;
    }
    expect(Math.abs(sum / 20000 - 0.5)).toBeLessThan(0.01);
    for (const count of bins) expect(Math.abs(count - 2000)).toBeLessThan(200);
    const ints = new Set(Array.from({ length: 200 }, () => rng.int(3, 6)));
    expect([...ints].sort()).toEqual([3, 4, 5, 6]);
  });
});

describe('shapes and categories', () => {
  test('every shape lies in the unit disk and covers a fair part of it', () => {
    for (const name of SHAPE_NAMES) {
      let inside = 0;
      let outsideDisk = 0;
      for (let a = -1.5; a <= 1.5; a += 0.01) {
        for (let b = -1.5; b <= 1.5; b += 0.01) {
          if (!SHAPES[name](a, b)) continue;
          inside++;
          if (a * a + b * b > 1 + 1e-9) outsideDisk++;
        }
      }
      expect(outsideDisk, name).toBe(0);
      expect(inside * 1e-4, name).toBeGreaterThan(0.4); // area in unit² (the disk is π)
    }
  });

  test('categories never repeat a (shape, texture) pair; shared ones come first', () => {
    const many = buildCategories(40, 20);
    expect(new Set(many.map((c) => `${c.shape}/${c.texture}`)).size).toBe(60);
    expect(many.filter((c) => c.shared).map((c) => c.id)).toEqual(
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    expect(() => buildCategories(SHAPE_NAMES.length * TEXTURE_NAMES.length, 1)).toThrow(RangeError);
  });
});

describe('renderFrame', () => {
  test('the nearer object hides the farther one: masks are the visible parts', () => {
    const [h, w] = [40, 50];
    const tracks = [still(20, 20, 10, 0), still(28, 22, 9, 1)]; // track 1 is in front
    const poses = tracks.map((t) => poseAt(t, 0));
    const frame = renderFrame(flatBackground(h, w), h, w, tracks, poses, settings, Rng.fromSeed(1));
    const back = diskPixels(h, w, 20, 20, 10);
    const front = diskPixels(h, w, 28, 22, 9);
    const overlap = [...back].filter((p) => front.has(p)).length;
    expect(overlap).toBeGreaterThan(50);
    expect(frame.visibleArea).toEqual([back.size - overlap, front.size]);
    const backMask = ownerMask(frame, 0);
    for (const p of front) expect(backMask[p]).toBe(0);
    // Swapping depths moves the hidden part to the other object.
    const swapped = [still(20, 20, 10, 1), still(28, 22, 9, 0)];
    const other = renderFrame(flatBackground(h, w), h, w, swapped, poses, settings, Rng.fromSeed(1));
    expect(other.visibleArea).toEqual([back.size, front.size - overlap]);
  });

  test('objects are clipped by the frame; a sliver below the minimum is not drawn', () => {
    const [h, w] = [30, 30];
    const clipped = still(2, 15, 6, 0); // centre 2 px from the left edge
    const frame = renderFrame(
      flatBackground(h, w),
      h,
      w,
      [clipped],
      [poseAt(clipped, 0)],
      settings,
      Rng.fromSeed(1),
    );
    expect(frame.visibleArea[0]).toBe(diskPixels(h, w, 2, 15, 6).size);
    // Behind a big disk, a small one peeks out by fewer than 4 pixels: not drawn, not annotated.
    const hidden = still(15, 15, 4, 0);
    const cover = still(15, 16.3, 5, 1);
    const peek = [...diskPixels(h, w, 15, 15, 4)].filter((p) => !diskPixels(h, w, 15, 16.3, 5).has(p)).length;
    expect(peek).toBeGreaterThan(0);
    expect(peek).toBeLessThan(4);
    const tracks = [hidden, cover];
    const result = renderFrame(
      flatBackground(h, w),
      h,
      w,
      tracks,
      tracks.map((t) => poseAt(t, 0)),
      settings,
      Rng.fromSeed(1),
    );
    expect(result.visibleArea[0]).toBe(0);
    // The peeking pixels show the background, not the object's colours.
    for (let p = 0; p < h * w; p++)
      if (result.owner[p] === -1)
        expect(Array.from(result.rgb.subarray(p * 3, p * 3 + 3))).toEqual([128, 128, 128]);
  });

  test('object pixels use exactly the category colours (no anti-aliasing)', () => {
    const scene = renderVideoScene(Rng.fromSeed(5), SYNTH_PRESETS.tiny, categories);
    scene.frames.forEach((frame) => {
      scene.tracks.forEach((track, k) => {
        const [a, b] = track.category.colors;
        const mask = ownerMask(frame, k);
        mask.forEach((m, p) => {
          if (!m) return;
          // On the segment a→b up to rounding: one weight explains all three channels.
          const c = frame.rgb.subarray(p * 3, p * 3 + 3);
          const ch = [0, 1, 2].reduce(
            (best, i) => (Math.abs(b[i] - a[i]) > Math.abs(b[best] - a[best]) ? i : best),
            0,
          );
          const weight = (c[ch] - a[ch]) / (b[ch] - a[ch]);
          expect(weight).toBeGreaterThanOrEqual(-0.01);
          expect(weight).toBeLessThanOrEqual(1.01);
          for (let i = 0; i < 3; i++)
            expect(Math.abs(c[i] - (a[i] + weight * (b[i] - a[i])))).toBeLessThanOrEqual(1.5);
        });
      });
    });
  });
});

describe('video scenes', () => {
  test('birth and death: absent (null) exactly outside [birth, death) for objects kept in view', () => {
    const preset: SynthPreset = {
      ...SYNTH_PRESETS.tiny,
      videos: { ...SYNTH_PRESETS.tiny.videos, frames: [8, 8], objects: [1, 1] },
      objectRadius: [0.2, 0.2],
      speed: [0, 0],
      maxAcceleration: 0,
      maxScaleRate: 0,
      enterProbability: 0,
      birthProbability: 1,
      deathProbability: 1,
    };
    let checked = 0;
    for (let v = 0; v < 6; v++) {
      const scene = renderVideoScene(Rng.fromSeed(v), preset, categories);
      const [track] = scene.tracks;
      expect(track.birth).toBeGreaterThan(0);
      expect(track.death).toBeLessThan(8);
      scene.frames.forEach((frame, t) => {
        const present = t >= track.birth && t < track.death;
        // A radius of 12.8 px with its centre in the middle 80% always leaves plenty in view.
        expect(frame.visibleArea[0] > 0, `video ${v} frame ${t}`).toBe(present);
      });
      checked++;
    }
    expect(checked).toBe(6);
  });

  test('presets keep their frame sizes and lengths (small and medium, one video each)', () => {
    expect(SYNTH_PRESETS.small.height).toBe(128);
    expect(Math.min(SYNTH_PRESETS.medium.height, SYNTH_PRESETS.medium.width)).toBeGreaterThanOrEqual(256);
    expect(SYNTH_PRESETS.medium.videos.train).toBeGreaterThanOrEqual(100);
    for (const preset of [SYNTH_PRESETS.small, SYNTH_PRESETS.medium]) {
      const all = buildCategories(preset.sharedCategories, preset.novelCategories);
      const scene = renderVideoScene(Rng.fromSeed(3), preset, all);
      expect(scene.frames.length).toBeGreaterThanOrEqual(preset.videos.frames[0]);
      expect(scene.frames.length).toBeLessThanOrEqual(preset.videos.frames[1]);
      expect(scene.tracks.length).toBeGreaterThanOrEqual(preset.videos.objects[0]);
      expect(scene.tracks.length).toBeLessThanOrEqual(preset.videos.objects[1]);
      for (const frame of scene.frames) {
        expect([frame.height, frame.width]).toEqual([preset.height, preset.width]);
        expect(frame.rgb.length).toBe(preset.height * preset.width * 3);
      }
    }
  });
});

describe('encodeRgbJpeg', () => {
  test('decodes (jpeg-js) to the same size and close pixels, odd sizes included', () => {
    for (const [h, w] of [
      [13, 21],
      [64, 64],
      [1, 9],
    ]) {
      const rgb = new Uint8Array(h * w * 3);
      const rng = Rng.fromSeed(h * 100 + w);
      for (let p = 0; p < h * w; p++) {
        // Smooth colour ramps plus a little noise.
        rgb[p * 3] = Math.round((255 * (p % w)) / w);
        rgb[p * 3 + 1] = Math.round((255 * Math.floor(p / w)) / h);
        rgb[p * 3 + 2] = 100 + rng.int(0, 20);
      }
      const bytes = encodeRgbJpeg(rgb, h, w, 92);
      expect(Array.from(bytes.subarray(0, 2))).toEqual([0xff, 0xd8]);
      const decoded = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false });
      expect([decoded.height, decoded.width]).toEqual([h, w]);
      let squared = 0;
      for (let i = 0; i < rgb.length; i++) squared += (rgb[i] - decoded.data[i]) ** 2;
      const psnr = 10 * Math.log10((255 * 255) / (squared / rgb.length));
      expect(psnr, `${h}×${w}`).toBeGreaterThan(33);
      expect(encodeRgbJpeg(rgb, h, w, 92)).toEqual(bytes);
      expect(encodeRgbJpeg(rgb, h, w, 30).length).toBeLessThan(bytes.length);
    }
  });
});
