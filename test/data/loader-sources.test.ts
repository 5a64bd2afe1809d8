import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test, afterAll, beforeAll } from 'vitest';
import {
  CategoryMap,
  CocoSource,
  YtvisMaskSource,
  YtvisPointSource,
  pseudoLabelSource,
} from '../../pointvis/data';
import { PointvisDataError } from '../../pointvis/errors';
import { dropTrackIds, loadCoco, loadYtvis } from '../../pointvis/formats';
import type { CocoDataset, YtvisDataset } from '../../pointvis/formats/types';
import { loadFrame } from '../../pointvis/frames';
import { annotatePoints, parsePointScheme } from '../../pointvis/points';
import { compressRle, decodeMask, encodeMask, toRle } from '../../pointvis/rle';
import {
  dataError,
  generateTinySynth,
  patternImage,
  rectMask,
  removeTempDirs,
  tempDir,
  writePng,
  type SynthFixture,
} from './loader-fixtures';

// Sample sources: what each yields on the synthetic benchmark (checked against the JSON read
// independently), category mapping, crowd handling, the pseudo-label and point variants, and
// errors that name the file, video, frame and object.

let synth: SynthFixture;
let videos: YtvisDataset;
let images: CocoDataset;
beforeAll(() => {
  synth = generateTinySynth();
  videos = JSON.parse(readFileSync(synth.videosJson, 'utf8')) as YtvisDataset;
  images = JSON.parse(readFileSync(synth.imagesJson, 'utf8')) as CocoDataset;
});
afterAll(removeTempDirs);

const decode = (seg: unknown, h: number, w: number) =>
  decodeMask(toRle(seg, h, w, { file: 'test', field: 'x' }));

describe('COCO source on the synthetic images', () => {
  test('one sample per image with annotations; masks, ids and class indices as in the file', () => {
    const source = new CocoSource({ annotations: synth.imagesJson, imageRoot: synth.imagesRoot });
    const withAnnotations = new Set(images.annotations.map((a) => a.image_id));
    expect(source.size).toBe(images.images.filter((im) => withAnnotations.has(im.id)).length);
    const sortedIds = images.categories.map((c) => c.id).sort((a, b) => a - b);
    for (const index of [0, source.size - 1]) {
      const sample = source.load(index);
      const image = images.images.find((im) => im.id === sample.source.id);
      if (!image) throw new Error('unknown image');
      expect(sample.source.file).toBe(join(synth.imagesRoot, image.file_name));
      expect(sample.image).toEqual(loadFrame(sample.source.file).data);
      const expected = images.annotations.filter((a) => a.image_id === image.id);
      expect(sample.instances.map((i) => i.objectId)).toEqual(expected.map((a) => a.id));
      sample.instances.forEach((instance, k) => {
        expect(instance.mask).toEqual(decode(expected[k].segmentation, image.height, image.width));
        expect(instance.classIndex).toBe(sortedIds.indexOf(expected[k].category_id));
      });
    }
  });
});

describe('YouTube-VIS mask source on the synthetic videos', () => {
  test("'all' gives every frame, 'non-empty' the frames with at least one mask", () => {
    const all = new YtvisMaskSource({ annotations: synth.videosJson, frameRoot: synth.videosRoot });
    const totalFrames = videos.videos.reduce((n, v) => n + v.length, 0);
    expect(all.size).toBe(totalFrames);
    expect(all.size).toBe(synth.meta.counts.videos.train.frames);
    let nonEmpty = 0;
    let masks = 0;
    for (const video of videos.videos)
      for (let t = 0; t < video.length; t++) {
        const present = videos.annotations.filter((a) => a.video_id === video.id && a.segmentations?.[t]);
        masks += present.length;
        if (present.length > 0) nonEmpty++;
      }
    const some = new YtvisMaskSource({
      annotations: synth.videosJson,
      frameRoot: synth.videosRoot,
      frameSampling: 'non-empty',
    });
    expect(some.size).toBe(nonEmpty);
    expect(masks).toBe(synth.meta.counts.videos.train.masks);
    let loaded = 0;
    for (let i = 0; i < all.size; i++) loaded += all.load(i).instances.length;
    expect(loaded).toBe(masks);
  });

  test('a frame sample has that frame and the masks present in it', () => {
    const source = new YtvisMaskSource({ annotations: synth.videosJson, frameRoot: synth.videosRoot });
    const video = videos.videos[2];
    const index = source.entries.findIndex((e) => videos.videos[e.video].id === video.id && e.frame === 3);
    const sample = source.load(index);
    expect(sample.source).toMatchObject({
      id: video.id,
      frame: 3,
      file: join(synth.videosRoot, video.file_names[3]),
    });
    expect(sample.image).toEqual(loadFrame(join(synth.videosRoot, video.file_names[3])).data);
    const present = videos.annotations.filter((a) => a.video_id === video.id && a.segmentations?.[3]);
    expect(sample.instances.map((i) => i.objectId)).toEqual(present.map((a) => a.id));
    sample.instances.forEach((instance, k) => {
      expect(instance.mask).toEqual(decode(present[k].segmentations?.[3], video.height, video.width));
    });
  });
});

/** A hand-made 2-video set: non-contiguous category ids, a crowd track, PNG frames on disk. */
function handVideos(dir: string, names: { missing?: string; wrongSize?: string } = {}): YtvisDataset {
  const [h, w] = [6, 8];
  const files = ['a/0.png', 'a/1.png', 'a/2.png', 'b/0.png', 'b/1.png'];
  files.forEach((f, k) => {
    if (f === names.missing) return;
    if (f === names.wrongSize) writePng(dir, f, h + 1, w, k);
    else writePng(dir, f, h, w, k);
  });
  const rle = (mask: Uint8Array) => compressRle(encodeMask(mask, h, w));
  return {
    videos: [
      { id: 10, width: w, height: h, length: 3, file_names: files.slice(0, 3) },
      { id: 20, width: w, height: h, length: 2, file_names: files.slice(3) },
    ],
    categories: [
      { id: 42, name: 'kite' },
      { id: 7, name: 'dog' },
      { id: 3, name: 'cat' },
    ],
    annotations: [
      {
        id: 1,
        video_id: 10,
        category_id: 42,
        iscrowd: 0,
        segmentations: [rle(rectMask(h, w, 0, 2, 0, 2)), null, rle(rectMask(h, w, 1, 3, 1, 3))],
      },
      {
        id: 2,
        video_id: 10,
        category_id: 3,
        iscrowd: 0,
        segmentations: [null, null, rle(rectMask(h, w, 4, 6, 5, 8))],
      },
      {
        id: 3,
        video_id: 10,
        category_id: 7,
        iscrowd: 1,
        segmentations: [rle(rectMask(h, w, 0, 6, 0, 8)), null, null],
      },
      {
        id: 4,
        video_id: 20,
        category_id: 7,
        iscrowd: 0,
        segmentations: [null, rle(rectMask(h, w, 2, 4, 2, 6))],
      },
    ],
  };
}

describe('hand-made datasets', () => {
  test('category ids 42, 7, 3 map to classes by ascending id: 3→0, 7→1, 42→2', () => {
    const map = new CategoryMap([
      { id: 42, name: 'kite' },
      { id: 7, name: 'dog' },
      { id: 3, name: 'cat' },
    ]);
    expect(map.size).toBe(3);
    expect(map.ids).toEqual([3, 7, 42]);
    expect(map.names).toEqual(['cat', 'dog', 'kite']);
    expect([42, 7, 3].map((id) => map.classIndex(id, { file: 'f' }))).toEqual([2, 1, 0]);
    expect(map.categoryId(2)).toBe(42);
    const err = dataError(() => map.classIndex(5, { file: 'f.json', field: 'annotations[0].category_id' }));
    expect(err.message).toContain('category id 5');
    expect(err.field).toBe('annotations[0].category_id');
  });

  test('per-frame targets: null means absent, crowd never a target, classes from the map', () => {
    const dir = tempDir();
    const dataset = handVideos(dir);
    const source = new YtvisMaskSource({ annotations: { dataset, file: 'hand.json' }, frameRoot: dir });
    expect(source.size).toBe(5);
    const targets = Array.from({ length: 5 }, (_, i) => {
      const s = source.load(i);
      return [s.source.id, s.source.frame, s.instances.map((o) => [o.objectId, o.classIndex])];
    });
    expect(targets).toEqual([
      [10, 0, [[1, 2]]],
      [10, 1, []],
      [
        10,
        2,
        [
          [1, 2],
          [2, 0],
        ],
      ],
      [20, 0, []],
      [20, 1, [[4, 1]]],
    ]);
    const nonEmpty = new YtvisMaskSource({
      annotations: { dataset, file: 'hand.json' },
      frameRoot: dir,
      frameSampling: 'non-empty',
    });
    expect(nonEmpty.entries.map((e) => [e.video, e.frame])).toEqual([
      [0, 0],
      [0, 2],
      [1, 1],
    ]);
    const sample = source.load(2);
    expect(sample.image).toEqual(patternImage(6, 8, 2));
    expect(sample.instances[1].mask).toEqual(rectMask(6, 8, 4, 6, 5, 8));
  });

  test('COCO: crowd excluded, images with only crowd skipped unless asked', () => {
    const dir = tempDir();
    writePng(dir, 'one.png', 5, 4, 1);
    writePng(dir, 'two.png', 5, 4, 2);
    const poly = [[0, 0, 3, 0, 3, 3, 0, 3]];
    const dataset: CocoDataset = {
      images: [
        { id: 5, width: 4, height: 5, file_name: 'one.png' },
        { id: 9, width: 4, height: 5, file_name: 'two.png' },
      ],
      categories: [
        { id: 90, name: 'b' },
        { id: 11, name: 'a' },
      ],
      annotations: [
        { id: 1, image_id: 5, category_id: 90, segmentation: poly, area: 9, bbox: [0, 0, 3, 3], iscrowd: 0 },
        { id: 2, image_id: 5, category_id: 11, segmentation: poly, area: 9, bbox: [0, 0, 3, 3], iscrowd: 1 },
        { id: 3, image_id: 9, category_id: 11, segmentation: poly, area: 9, bbox: [0, 0, 3, 3], iscrowd: 1 },
      ],
    };
    const source = new CocoSource({ annotations: { dataset, file: 'coco.json' }, imageRoot: dir });
    expect(source.size).toBe(1);
    const sample = source.load(0);
    expect(sample.instances.map((i) => [i.objectId, i.categoryId, i.classIndex])).toEqual([[1, 90, 1]]);
    const keepAll = new CocoSource({
      annotations: { dataset, file: 'coco.json' },
      imageRoot: dir,
      skipEmpty: false,
    });
    expect(keepAll.size).toBe(2);
    expect(keepAll.load(1).instances).toEqual([]);
  });
});

describe('pseudo labels and points', () => {
  test('pseudo labels restricted to the frames the point file annotates', () => {
    const scheme = parsePointScheme('P1N1');
    const points = annotatePoints(loadYtvis(synth.videosJson), {
      scheme,
      positive: 'dt',
      negative: 'inbox',
      frameRatio: 0.4,
      seed: 3,
      keepMasks: false,
    }).dataset;
    // A pseudo-label file: the ground truth masks, kept on half of each track's frames.
    const pseudo: YtvisDataset = {
      ...videos,
      annotations: videos.annotations.map((a) => ({
        ...a,
        segmentations: a.segmentations?.map((s, t) => (t % 2 === 0 ? s : null)),
      })),
    };
    const annotated = new Set<string>();
    for (const a of points.annotations)
      a.points?.forEach((p, t) => p !== null && annotated.add(`${a.video_id}:${t}`));
    const source = pseudoLabelSource({
      annotations: { dataset: pseudo, file: 'pseudo.json' },
      frameRoot: synth.videosRoot,
      pointAnnotations: { dataset: points, file: 'points.json' },
    });
    expect(source.size).toBe(annotated.size);
    expect(annotated.size).toBeLessThan(videos.videos.reduce((n, v) => n + v.length, 0));
    for (let i = 0; i < source.size; i++) {
      const { id, frame } = source.describe(i);
      expect(annotated.has(`${id}:${frame}`)).toBe(true);
    }
    const sample = source.load(0);
    const frame = sample.source.frame ?? -1;
    const expected = pseudo.annotations.filter(
      (a) => a.video_id === sample.source.id && a.segmentations?.[frame],
    );
    expect(sample.instances.map((o) => o.objectId)).toEqual(expected.map((a) => a.id));
    // Without the point file every frame is a sample.
    const unrestricted = pseudoLabelSource({
      annotations: { dataset: pseudo, file: 'pseudo.json' },
      frameRoot: synth.videosRoot,
    });
    expect(unrestricted.size).toBe(synth.meta.counts.videos.train.frames);
  });

  test('point targets per annotated frame, tracked and per-frame files alike', () => {
    const points = annotatePoints(loadYtvis(synth.videosJson), {
      scheme: parsePointScheme('P2N1'),
      positive: 'random',
      negative: 'outbox',
      frameRatio: 0.5,
      seed: 9,
      keepMasks: false,
    }).dataset;
    const tracked = new YtvisPointSource({
      annotations: { dataset: points, file: 'p.json' },
      frameRoot: synth.videosRoot,
    });
    const perFrame = new YtvisPointSource({
      annotations: { dataset: dropTrackIds(points), file: 'pf.json' },
      frameRoot: synth.videosRoot,
    });
    // Independent count: frames where some object has a points entry (null = not annotated).
    let frames = 0;
    let withObjects = 0;
    for (const video of points.videos)
      for (let t = 0; t < video.length; t++) {
        const entries = points.annotations.filter((a) => a.video_id === video.id && a.points?.[t] != null);
        if (entries.length > 0) frames++;
        if (entries.some((a) => (a.points?.[t]?.length ?? 0) > 0)) withObjects++;
      }
    expect(tracked.size).toBe(frames);
    // A per-frame file lists present objects only, so frames with every object absent vanish.
    expect(perFrame.size).toBe(withObjects);
    const nonEmpty = new YtvisPointSource({
      annotations: { dataset: points, file: 'p.json' },
      frameRoot: synth.videosRoot,
      frameSampling: 'non-empty',
    });
    expect(nonEmpty.size).toBe(withObjects);
    for (let i = 0; i < nonEmpty.size; i++) {
      const a = nonEmpty.load(i);
      const b = perFrame.load(i);
      expect([b.source.id, b.source.frame]).toEqual([a.source.id, a.source.frame]);
      expect(b.points?.map((o) => [o.categoryId, o.points])).toEqual(
        a.points?.map((o) => [o.categoryId, o.points]),
      );
      const t = a.source.frame ?? -1;
      const expected = points.annotations.filter(
        (x) => x.video_id === a.source.id && (x.points?.[t]?.length ?? 0) > 0,
      );
      expect(a.points?.map((o) => o.objectId)).toEqual(expected.map((x) => x.id));
      expect(a.points?.map((o) => o.points)).toEqual(expected.map((x) => x.points?.[t]));
      expect(a.instances).toEqual([]);
      expect(a.points?.every((o) => o.points.filter((p) => p[2] === 1).length === 2)).toBe(true);
    }
  });
});

describe('errors name the file, video, frame and object', () => {
  test('a missing frame file', () => {
    const dir = tempDir();
    const dataset = handVideos(dir, { missing: 'a/2.png' });
    const source = new YtvisMaskSource({ annotations: { dataset, file: 'hand.json' }, frameRoot: dir });
    expect(source.load(1).instances).toEqual([]);
    const err = dataError(() => source.load(2));
    expect(err.file).toBe(join(dir, 'a/2.png'));
    expect(err.field).toBe('videos[0].file_names[2]');
    expect(err.message).toMatch(/video 10 \(a\/2\.png\) frame 2: image file is missing/);
    expect(err.message).toContain('hand.json');
  });

  test('a frame of the wrong size', () => {
    const dir = tempDir();
    const dataset = handVideos(dir, { wrongSize: 'b/1.png' });
    const source = new YtvisMaskSource({ annotations: { dataset, file: 'hand.json' }, frameRoot: dir });
    const err = dataError(() => source.load(4));
    expect(err.file).toBe(join(dir, 'b/1.png'));
    expect(err.message).toContain('video 20 (b/1.png) frame 1');
    expect(err.message).toContain('8×7');
    expect(err.message).toContain('8×6');
  });

  test('a mask of the wrong size', () => {
    const dir = tempDir();
    const dataset = handVideos(dir);
    const bad = compressRle(encodeMask(rectMask(5, 8, 0, 1, 0, 1), 5, 8));
    dataset.annotations[1].segmentations = [null, null, bad];
    const source = new YtvisMaskSource({ annotations: { dataset, file: 'hand.json' }, frameRoot: dir });
    const err = dataError(() => source.load(2));
    expect(err.file).toBe('hand.json');
    expect(err.field).toBe('annotations[1].segmentations[2].size');
    expect(err.message).toContain('video 10 (a/2.png) frame 2, object 2');
    expect(err.message).toContain('[5,8]');
  });

  test('a category the training classes do not have', () => {
    const dir = tempDir();
    const dataset = handVideos(dir);
    const categories = new CategoryMap(dataset.categories.filter((c) => c.id !== 3));
    const err = dataError(
      () =>
        new YtvisMaskSource({ annotations: { dataset, file: 'pseudo.json' }, frameRoot: dir, categories }),
    );
    expect(err.file).toBe('pseudo.json');
    expect(err.field).toBe('annotations[1].category_id');
    expect(err.message).toContain('video 10, object 2');
    expect(err.message).toContain('category id 3');
  });

  test('a missing COCO image names the image and its entry', () => {
    const dir = tempDir();
    const dataset: CocoDataset = {
      images: [{ id: 77, width: 4, height: 4, file_name: 'nowhere.jpg' }],
      categories: [{ id: 1, name: 'a' }],
      annotations: [
        {
          id: 1,
          image_id: 77,
          category_id: 1,
          segmentation: [[0, 0, 2, 0, 2, 2]],
          area: 2,
          bbox: [0, 0, 2, 2],
          iscrowd: 0,
        },
      ],
    };
    const err = dataError(() =>
      new CocoSource({ annotations: { dataset, file: 'c.json' }, imageRoot: dir }).load(0),
    );
    expect(err).toBeInstanceOf(PointvisDataError);
    expect(err.file).toBe(join(dir, 'nowhere.jpg'));
    expect(err.field).toBe('images[0].file_name');
    expect(err.message).toContain('image 77 (nowhere.jpg)');
  });

  test('a file on disk is validated by the formats layer first', () => {
    const err = dataError(
      () => new CocoSource({ annotations: join(tempDir(), 'absent.json'), imageRoot: '.' }),
    );
    expect(err.message).toContain('absent.json');
    expect(loadCoco(synth.imagesJson).images.length).toBeGreaterThan(0);
  });
});
