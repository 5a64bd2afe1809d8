import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  addTrackIds,
  dropTrackIds,
  loadCoco,
  loadPointFrames,
  loadYtvis,
  loadYtvisResults,
  parseCoco,
  parseCocoResults,
  parsePointFrames,
  parseYtvis,
  parseYtvisResults,
  saveCoco,
  savePointFrames,
  saveYtvis,
  saveYtvisResults,
} from '../../pointvis/formats';
import { PointvisDataError } from '../../pointvis/errors';
import {
  cocoFixture,
  cocoResultsFixture,
  pointFramesFixture,
  ytvisFixture,
  ytvisResultsFixture,
} from './formats-fixtures';

const tmp = mkdtempSync(join(tmpdir(), 'pointvis-formats-'));

/** Runs fn, expecting a PointvisDataError; returns it. */
function dataError(fn: () => unknown): PointvisDataError {
  try {
    fn();
  } catch (err) {
    if (err instanceof PointvisDataError) return err;
    throw err;
  }
  throw new Error('expected a PointvisDataError, nothing was thrown');
}

describe('YouTube-VIS annotations', () => {
  it('accepts the fixture unchanged, keeping unknown fields', () => {
    const parsed = parseYtvis(ytvisFixture(), 'a.json');
    expect(JSON.parse(JSON.stringify(parsed))).toEqual(ytvisFixture());
    expect((parsed.videos[0] as unknown as { extra: string }).extra).toBe('kept');
  });

  it('round-trips through save and load', () => {
    const path = join(tmp, 'sub', 'ytvis.json');
    saveYtvis(path, parseYtvis(ytvisFixture(), 'a.json'));
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(ytvisFixture());
    expect(loadYtvis(path)).toEqual(parseYtvis(ytvisFixture(), path));
  });

  it('reads a test-split file with null annotations, and a missing iscrowd as 0', () => {
    const ds = ytvisFixture() as Record<string, unknown>;
    ds.annotations = null;
    expect(parseYtvis(ds, 'a.json').annotations).toEqual([]);
    const ds2 = ytvisFixture();
    delete (ds2.annotations[2] as Record<string, unknown>).iscrowd;
    expect(parseYtvis(ds2, 'a.json').annotations[2].iscrowd).toBe(0);
  });

  const cases: [string, (ds: ReturnType<typeof ytvisFixture>) => void, string, number | undefined, RegExp][] =
    [
      ['top level not an object', () => {}, '(top)', undefined, /expected an object/],
      [
        'file_names length',
        (ds) => ds.videos[1].file_names.pop(),
        'videos[1].file_names',
        1,
        /has 1 entries but the video's length is 2/,
      ],
      [
        'width not an integer',
        (ds) => ((ds.videos[0] as Record<string, unknown>).width = 4.5),
        'videos[0].width',
        0,
        /integer/,
      ],
      ['zero height', (ds) => (ds.videos[0].height = 0), 'videos[0].height', 0, /outside/],
      ['duplicate video id', (ds) => (ds.videos[1].id = 1), 'videos[1].id', 1, /duplicate video id 1/],
      [
        'duplicate annotation id',
        (ds) => (ds.annotations[2].id = 10),
        'annotations[2].id',
        2,
        /duplicate annotation id 10/,
      ],
      [
        'unknown video',
        (ds) => (ds.annotations[1].video_id = 9),
        'annotations[1].video_id',
        1,
        /no video has id 9/,
      ],
      [
        'unknown category',
        (ds) => (ds.annotations[1].category_id = 3),
        'annotations[1].category_id',
        1,
        /no category has id 3/,
      ],
      ['iscrowd 2', (ds) => (ds.annotations[1].iscrowd = 2), 'annotations[1].iscrowd', 1, /0 or 1/],
      [
        'segmentations length',
        (ds) => ds.annotations[0].segmentations!.pop(),
        'annotations[0].segmentations',
        0,
        /has 2 entries but the video has 3 frames/,
      ],
      [
        'RLE size differs from the video',
        (ds) => (ds.annotations[0].segmentations![2] = { size: [4, 3], counts: [12] }),
        'annotations[0].segmentations[2].size',
        2,
        /\[4,3\] does not equal the frame size \[3, 4\]/,
      ],
      [
        'counts sum',
        (ds) => (ds.annotations[0].segmentations![2] = { size: [3, 4], counts: [2, 5, 4] }),
        'annotations[0].segmentations[2].counts',
        2,
        /sum to 11, expected height·width = 12/,
      ],
      [
        'compressed counts sum',
        (ds) => (ds.annotations[0].segmentations![0] = { size: [3, 4], counts: '254' }),
        'annotations[0].segmentations[0].counts',
        0,
        /sum to 11/,
      ],
      [
        'polygon coordinate',
        (ds) => (ds.annotations[1].segmentations![0] = [[1, 1, 4, 1, 4, 'x', 1, 3]] as never),
        'annotations[1].segmentations[0][0][5]',
        0,
        /finite number/,
      ],
      ['areas length', (ds) => ds.annotations[0].areas!.push(1), 'annotations[0].areas', 0, /4 entries/],
      ['negative area', (ds) => (ds.annotations[0].areas![2] = -1), 'annotations[0].areas[2]', 2, /outside/],
      [
        'bbox of 3',
        (ds) => (ds.annotations[0].bboxes![0] = [0, 0, 4] as never),
        'annotations[0].bboxes[0]',
        0,
        /list of 3/,
      ],
      [
        'no per-frame data',
        (ds) => delete (ds.annotations[1] as Record<string, unknown>).segmentations,
        'annotations[1]',
        1,
        /needs/,
      ],
      [
        'points length',
        (ds) => ds.annotations[2].points!.push(null),
        'annotations[2].points',
        2,
        /3 entries but the video has 2/,
      ],
      [
        'point x at the right edge',
        (ds) => (ds.annotations[0].points![2] = [[4, 1, 1]]),
        'annotations[0].points[2][0][0]',
        2,
        /x = 4 is outside the frame \[0, 4\)/,
      ],
      [
        'negative y',
        (ds) => (ds.annotations[0].points![0]![1][1] = -0.1),
        'annotations[0].points[0][1][1]',
        0,
        /outside/,
      ],
      [
        'label 2',
        (ds) => (ds.annotations[0].points![0]![0][2] = 2),
        'annotations[0].points[0][0][2]',
        0,
        /label must be 1/,
      ],
      [
        'point of 2 numbers',
        (ds) => (ds.annotations[2].points![1] = [[1, 1]] as never),
        'annotations[2].points[1][0]',
        1,
        /list of 2/,
      ],
      [
        'category name',
        (ds) => ((ds.categories[1] as Record<string, unknown>).name = 5),
        'categories[1].name',
        1,
        /string/,
      ],
    ];
  for (const [name, corrupt, field, index, message] of cases) {
    it(`rejects: ${name}`, () => {
      const ds = ytvisFixture();
      corrupt(ds);
      const err = dataError(() =>
        parseYtvis(name === 'top level not an object' ? [ds] : ds, 'data/train.json'),
      );
      expect(err.file).toBe('data/train.json');
      expect(err.field ?? '(top)').toBe(field);
      expect(err.index).toBe(index);
      expect(err.message).toMatch(message);
    });
  }

  it('names the file for unreadable and broken files', () => {
    expect(dataError(() => loadYtvis(join(tmp, 'missing.json'))).message).toMatch(
      /missing.json: cannot read file/,
    );
    const broken = join(tmp, 'broken.json');
    writeFileSync(broken, '{"videos": [');
    expect(dataError(() => loadYtvis(broken)).message).toMatch(/broken.json: not valid JSON/);
  });

  it('refuses to save an invalid dataset and leaves no file', () => {
    const ds = ytvisFixture();
    ds.annotations[0].video_id = 99;
    const path = join(tmp, 'never.json');
    expect(() => saveYtvis(path, ds as never)).toThrow(PointvisDataError);
    expect(() => readFileSync(path)).toThrow();
  });
});

describe('YouTube-VIS results', () => {
  it('parses, converting list counts to the string form', () => {
    const raw = ytvisResultsFixture();
    (raw[1].segmentations as unknown[])[1] = { size: [5, 6], counts: [0, 30] };
    const results = parseYtvisResults(raw, 'r.json', parseYtvis(ytvisFixture(), 'a.json'));
    // [0, 30]: '0', then 30 = 11110b has the sign bit, so two groups: 30 + 32 + 48 = 'n', '0'.
    expect(results[1].segmentations[1]).toEqual({ size: [5, 6], counts: '0n0' });
    expect(results).toEqual(ytvisResultsFixture());
  });

  it('round-trips through save and load', () => {
    const path = join(tmp, 'results.json');
    saveYtvisResults(path, parseYtvisResults(ytvisResultsFixture(), 'r.json'));
    expect(loadYtvisResults(path)).toEqual(ytvisResultsFixture());
  });

  it('accepts an empty list', () => {
    expect(parseYtvisResults([], 'r.json')).toEqual([]);
  });

  it('rejects bad entries with their path', () => {
    const raw = ytvisResultsFixture();
    (raw[0].segmentations[2] as { counts: string }).counts = '=';
    const err = dataError(() => parseYtvisResults(raw, 'r.json'));
    expect(err.field).toBe('[0].segmentations[2].counts');
    expect(err.index).toBe(2);
    const raw2 = ytvisResultsFixture() as unknown[];
    (raw2[1] as Record<string, unknown>).score = 'high';
    expect(dataError(() => parseYtvisResults(raw2, 'r.json')).field).toBe('[1].score');
    const unknownVideo = ytvisResultsFixture();
    unknownVideo[1].video_id = 5;
    const ds = parseYtvis(ytvisFixture(), 'a.json');
    expect(dataError(() => parseYtvisResults(unknownVideo, 'r.json', ds)).message).toMatch(
      /no video has id 5/,
    );
    expect(dataError(() => parseYtvisResults({}, 'r.json')).message).toMatch(/expected a list/);
  });
});

describe('COCO', () => {
  it('accepts the fixture unchanged and round-trips', () => {
    const parsed = parseCoco(cocoFixture(), 'c.json');
    expect(JSON.parse(JSON.stringify(parsed))).toEqual(cocoFixture());
    const path = join(tmp, 'coco.json');
    saveCoco(path, parsed);
    expect(loadCoco(path)).toEqual(parsed);
  });

  it('rejects segmentation and reference errors', () => {
    const a = cocoFixture();
    a.annotations[1].segmentation = { size: [5, 6], counts: [10, 5, 14] };
    const err = dataError(() => parseCoco(a, 'c.json'));
    expect(err.field).toBe('annotations[1].segmentation.counts');
    expect(err.index).toBe(1);
    const b = cocoFixture();
    b.annotations[0].image_id = 3;
    expect(dataError(() => parseCoco(b, 'c.json')).message).toMatch(/no image has id 3/);
    const c = cocoFixture();
    c.annotations[2].segmentation = { size: [5, 6], counts: '254L' };
    expect(dataError(() => parseCoco(c, 'c.json')).field).toBe('annotations[2].segmentation.size');
  });

  it('parses results', () => {
    expect(parseCocoResults(cocoResultsFixture(), 'cr.json', parseCoco(cocoFixture(), 'c.json'))).toEqual(
      cocoResultsFixture(),
    );
    const bad = cocoResultsFixture();
    bad[0].image_id = 9;
    expect(dataError(() => parseCocoResults(bad, 'cr.json', parseCoco(cocoFixture(), 'c.json'))).field).toBe(
      '[0].image_id',
    );
  });
});

describe('point annotations', () => {
  it('drops track ids into the per-frame form (expected worked out by hand)', () => {
    const perFrame = dropTrackIds(parseYtvis(ytvisFixture(), 'a.json'));
    expect(perFrame).toEqual(pointFramesFixture());
    expect(parsePointFrames(perFrame, 'p.json')).toEqual(perFrame);
  });

  it('adds track ids: one single-frame track per entry', () => {
    const tracked = addTrackIds(parsePointFrames(pointFramesFixture(), 'p.json'));
    expect(tracked.annotations).toEqual([
      {
        id: 1,
        video_id: 1,
        category_id: 1,
        iscrowd: 0,
        points: [pointFramesFixture().point_frames[0].points, null, null],
      },
      { id: 2, video_id: 1, category_id: 1, iscrowd: 0, points: [null, null, [[0.5, 2.5, 1]]] },
      { id: 3, video_id: 2, category_id: 1, iscrowd: 0, points: [null, [[5.99, 4.99, 1]]] },
    ]);
    expect(parseYtvis(tracked, 't.json')).toEqual(tracked);
    // Dropping the invented tracks again gives back the same per-frame file.
    expect(dropTrackIds(tracked)).toEqual(pointFramesFixture());
  });

  it('round-trips the per-frame file', () => {
    const path = join(tmp, 'points.json');
    savePointFrames(path, parsePointFrames(pointFramesFixture(), 'p.json'));
    expect(loadPointFrames(path)).toEqual(pointFramesFixture());
  });

  it('validates per-frame entries', () => {
    const a = pointFramesFixture();
    a.point_frames[1].frame_index = 3;
    const err = dataError(() => parsePointFrames(a, 'p.json'));
    expect(err.field).toBe('point_frames[1].frame_index');
    expect(err.index).toBe(1);
    const b = pointFramesFixture();
    b.point_frames[2].points = [];
    expect(dataError(() => parsePointFrames(b, 'p.json')).message).toMatch(/at least one point/);
    const c = pointFramesFixture();
    c.point_frames[2].points[0][0] = 6;
    expect(dataError(() => parsePointFrames(c, 'p.json')).field).toBe('point_frames[2].points[0][0]');
    const d = pointFramesFixture() as Record<string, unknown>;
    d.annotations = ytvisFixture().annotations;
    expect(dataError(() => parsePointFrames(d, 'p.json')).message).toMatch(/no tracks/);
    const e = pointFramesFixture();
    e.point_frames[0].id = 3;
    expect(dataError(() => parsePointFrames(e, 'p.json')).message).toMatch(/duplicate point frame id 3/);
  });

  it('parses the example in pointvis/formats/README.md', () => {
    const readme = readFileSync(new URL('../../pointvis/formats/README.md', import.meta.url), 'utf8');
    const blocks = [...readme.matchAll(/```json\n([\s\S]*?)```/g)].map(
      (m) => JSON.parse(m[1]) as Record<string, unknown>,
    );
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    const tracked = blocks.filter((b) => !('point_frames' in b)).map((b) => parseYtvis(b, 'README tracked'));
    const perFrame = blocks
      .filter((b) => 'point_frames' in b)
      .map((b) => parsePointFrames(b, 'README per-frame'));
    expect([tracked.length, perFrame.length]).toEqual([1, 1]);
    // The README says the second example is the first one per frame.
    expect(dropTrackIds(tracked[0]).point_frames).toEqual(perFrame[0].point_frames);
  });
});
