import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type ConfigReader,
  ConfigError,
  configFromObject,
  configToYaml,
  loadConfig,
  loadConfigTree,
  lrScheduleFromConfig,
} from '../../model/config/index.js';
import { parse } from 'yaml';

/** A reader over in-memory files; unknown paths fall through to the disk (for the presets). */
function reader(files: Record<string, string>): ConfigReader {
  return (path) => {
    if (path in files) return files[path]!;
    if (path.startsWith('configs/')) return readFileSync(path, 'utf8');
    throw new Error('no such file');
  };
}

function tree(files: Record<string, string>, entry: string, overrides: string[] = []): unknown {
  return loadConfigTree(entry, { read: reader(files), overrides }).tree;
}

/** The ConfigError a call throws (fails the test when it does not throw one). */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('_base_ inheritance', () => {
  it('merges several levels: mappings key by key, lists and scalars replaced', () => {
    const files = {
      'cfg/a.yaml': 'x: {y: 1, z: 2, deep: {p: 1, q: 2}}\nlist: [1, 2, 3]\nonlyA: a\n',
      'cfg/b.yaml': '_base_: a.yaml\nx: {y: 10, deep: {q: 20}}\nlist: [9]\n',
      'cfg/c.yaml': '_base_: b.yaml\nx: {z: 30}\nextra: true\n',
    };
    expect(tree(files, 'cfg/c.yaml')).toEqual({
      x: { y: 10, z: 30, deep: { p: 1, q: 20 } },
      list: [9],
      onlyA: 'a',
      extra: true,
    });
  });

  it('merges a list of bases in order, the file itself last', () => {
    const files = {
      'cfg/p.yaml': 'v: p\nfromP: 1\nm: {a: p, b: p}\n',
      'cfg/q.yaml': 'v: q\nfromQ: 2\nm: {b: q, c: q}\n',
      'cfg/r.yaml': '_base_: [p.yaml, q.yaml]\nm: {c: r}\n',
      'cfg/s.yaml': '_base_: [q.yaml, p.yaml]\n',
    };
    expect(tree(files, 'cfg/r.yaml')).toEqual({ v: 'q', fromP: 1, fromQ: 2, m: { a: 'p', b: 'q', c: 'r' } });
    expect(tree(files, 'cfg/s.yaml')).toEqual({ v: 'p', fromP: 1, fromQ: 2, m: { a: 'p', b: 'p', c: 'q' } });
  });

  it('resolves base paths relative to the file that names them', () => {
    const files = {
      'root/shared/common.yaml': 'k: common\n',
      'root/shared/mid.yaml': '_base_: common.yaml\nm: mid\n',
      'root/presets/top.yaml': '_base_: ../shared/mid.yaml\nt: top\n',
    };
    expect(tree(files, 'root/presets/top.yaml')).toEqual({ k: 'common', m: 'mid', t: 'top' });
  });

  it('_delete_: true replaces the inherited mapping; false merges', () => {
    const files = {
      'cfg/base.yaml': 'opt: {a: 1, b: 2}\nkeep: {a: 1, b: 2}\n',
      'cfg/child.yaml': '_base_: base.yaml\nopt: {_delete_: true, c: 3}\nkeep: {_delete_: false, c: 3}\n',
    };
    expect(tree(files, 'cfg/child.yaml')).toEqual({ opt: { c: 3 }, keep: { a: 1, b: 2, c: 3 } });
  });

  it('strips _delete_ markers that had nothing to replace, and rejects non-boolean ones', () => {
    expect(tree({ 'a.yaml': 'x: {_delete_: true, y: 1}\n' }, 'a.yaml')).toEqual({ x: { y: 1 } });
    const err = configError(() => tree({ 'a.yaml': 'x: {_delete_: yes please}\n' }, 'a.yaml'));
    expect(err.message).toContain('a.yaml: x._delete_: must be true or false');
  });

  it('reads JSON files and mixes them with YAML', () => {
    const files = {
      'cfg/base.json': '{"a": {"b": 1, "c": [1]}}',
      'cfg/top.yaml': '_base_: base.json\na: {c: [2, 3]}\n',
    };
    expect(tree(files, 'cfg/top.yaml')).toEqual({ a: { b: 1, c: [2, 3] } });
  });

  it('reports cycles, missing bases and syntax errors with the file', () => {
    const cycle = configError(() =>
      tree({ 'c/a.yaml': '_base_: b.yaml\n', 'c/b.yaml': '_base_: a.yaml\n' }, 'c/a.yaml'),
    );
    expect(cycle.message).toContain('inheritance cycle: c/a.yaml -> c/b.yaml -> c/a.yaml');
    const missing = configError(() => tree({ 'c/a.yaml': '_base_: [gone.yaml]\n' }, 'c/a.yaml'));
    expect(missing.message).toMatch(/^c\/a\.yaml: _base_: cannot read c\/gone\.yaml/);
    const syntax = configError(() => tree({ 'c/a.yaml': 'a: [1,\nb: 2\n' }, 'c/a.yaml'));
    expect(syntax.message).toMatch(/^c\/a\.yaml: cannot parse/);
    const duplicate = configError(() => tree({ 'c/a.yaml': 'a: 1\na: 2\n' }, 'c/a.yaml'));
    expect(duplicate.message).toContain('unique');
    const notMapping = configError(() => tree({ 'c/a.yaml': '- 1\n- 2\n' }, 'c/a.yaml'));
    expect(notMapping.message).toContain('c/a.yaml: the top level must be a mapping');
    const badBase = configError(() => tree({ 'c/a.yaml': '_base_: 3\n' }, 'c/a.yaml'));
    expect(badBase.message).toContain('c/a.yaml: _base_: must be a path or a list of paths');
  });
});

describe('command-line overrides', () => {
  const files = { 'o.yaml': 'a: {b: {c: 1}, list: [1, 2, 3], s: text}\nm: {x: 1, y: 2}\n' };

  it('parses values as YAML and sets them at the key path', () => {
    const t = tree(files, 'o.yaml', [
      'a.b.c=1e-4',
      'a.s=hello world',
      'a.list=[4, 5]',
      'a.b.n=null',
      'fresh.deep.key=true',
    ]);
    expect(t).toEqual({
      a: { b: { c: 0.0001, n: null }, list: [4, 5], s: 'hello world' },
      m: { x: 1, y: 2 },
      fresh: { deep: { key: true } },
    });
  });

  it('indexes lists, merges mappings, and honours _delete_', () => {
    expect(tree(files, 'o.yaml', ['a.list.1=20'])).toMatchObject({ a: { list: [1, 20, 3] } });
    expect(tree(files, 'o.yaml', ['m={y: 5, z: 6}'])).toMatchObject({ m: { x: 1, y: 5, z: 6 } });
    expect(tree(files, 'o.yaml', ['m={_delete_: true, z: 6}'])).toMatchObject({ m: { z: 6 } });
    // Later overrides win.
    expect(tree(files, 'o.yaml', ['m.x=2', 'm.x=3'])).toMatchObject({ m: { x: 3 } });
  });

  it('says what is wrong with a bad override', () => {
    expect(configError(() => tree(files, 'o.yaml', ['nonsense'])).message).toBe(
      'command line (nonsense): an override is key.path=value',
    );
    expect(configError(() => tree(files, 'o.yaml', ['a.s.deeper=1'])).message).toBe(
      `command line (a.s.deeper=1): a.s: is string "text", so it has no 'deeper' to set`,
    );
    expect(configError(() => tree(files, 'o.yaml', ['a.list.7=1'])).message).toContain(
      "a.list is a list of 3; '7' is not an index",
    );
    expect(configError(() => tree(files, 'o.yaml', ['a..b=1'])).message).toContain('empty segment');
  });
});

describe('validation against the schema', () => {
  const base = 'configs/mask2former/swin-t.yaml';

  it('names the file and key path of a wrong value, even in a base file', () => {
    const files = {
      'configs/mask2former/bad-base.yaml': `_base_: swin-t.yaml\nmodel: {swin: {embedDim: big}}\n`,
      'configs/mask2former/bad.yaml': `_base_: bad-base.yaml\nseed: 1\n`,
    };
    const err = configError(() => loadConfig('configs/mask2former/bad.yaml', { read: reader(files) }));
    expect(err.problems).toEqual([
      {
        source: 'configs/mask2former/bad-base.yaml',
        keyPath: 'model.swin.embedDim',
        problem: 'expected an integer, got string "big"',
      },
    ]);
    expect(err.message).toBe(
      'configs/mask2former/bad-base.yaml: model.swin.embedDim: expected an integer, got string "big"',
    );
  });

  it('rejects unknown keys with a suggestion, from files and overrides', () => {
    const files = {
      'configs/mask2former/typo.yaml': `_base_: swin-t.yaml\nsolver: {baseLR: 0.001}\nmodel: {swin: {embed_dim: 3}}\n`,
    };
    const err = configError(() =>
      loadConfig('configs/mask2former/typo.yaml', {
        read: reader(files),
        overrides: ['model.numQueries=50', 'loss.dicWeight=1'],
      }),
    );
    const messages = err.problems.map((p) => `${p.source}: ${p.keyPath}: ${p.problem}`).sort();
    expect(messages).toEqual(
      [
        `command line (loss.dicWeight=1): loss.dicWeight: unknown key (did you mean 'diceWeight'?)`,
        `command line (model.numQueries=50): model.numQueries: unknown key (did you mean 'model.decoder.numQueries'?)`,
        `configs/mask2former/typo.yaml: model.swin.embed_dim: unknown key (did you mean 'embedDim'?)`,
        `configs/mask2former/typo.yaml: solver.baseLR: unknown key (did you mean 'baseLr'?)`,
      ].sort(),
    );
    expect(err.message).toMatch(/^4 config problems:\n {2}/);
  });

  it('reports a missing key against the merged files', () => {
    const files = {
      'configs/mask2former/gap.yaml': `_base_: swin-t.yaml\nloss: {_delete_: true, classWeight: 1}\n`,
    };
    const err = configError(() => loadConfig('configs/mask2former/gap.yaml', { read: reader(files) }));
    expect(err.problems.length).toBe(8);
    expect(err.problems[0]).toEqual({
      source: 'configs/mask2former/gap.yaml',
      keyPath: 'loss.maskWeight',
      problem: 'missing',
    });
    expect(err.problems.map((p) => p.keyPath)).toContain('loss.matcher');
  });

  it('checks relations between fields', () => {
    const err = configError(() =>
      loadConfig(base, {
        read: reader({}),
        overrides: [
          'model.swin.numHeads=[3, 5, 12, 24]',
          'model.decoder.heads=7',
          'solver.steps=[300000, 200000]',
          'model.pixelDecoder.groupNormGroups=24',
        ],
      }),
    );
    expect(err.problems.map((p) => `${p.keyPath}: ${p.problem}`).sort()).toEqual(
      [
        'model.decoder.heads: 7 heads do not divide hiddenDim 256',
        'model.pixelDecoder.groupNormGroups: 24 groups do not divide convDim 256',
        'model.swin.numHeads.1: 5 heads do not divide the 192 channels of stage 1',
        'solver.steps.1: 200000 must be larger than the step before it (300000)',
      ].sort(),
    );
  });

  it('checks ranges, enums and list lengths', () => {
    const err = configError(() =>
      loadConfig(base, {
        read: reader({}),
        overrides: [
          'loss.importanceSampleRatio=1.5',
          'solver.schedule=exponential',
          'model.swin.depths=[2, 2, 6]',
          'video={samplingFrameNum: 1}',
        ],
      }),
    );
    const text = err.problems.map((p) => `${p.keyPath}: ${p.problem}`);
    expect(text).toContain('loss.importanceSampleRatio: 1.5 is too large (must be ≤ 1)');
    expect(text).toContain('solver.schedule: "exponential" is not one of constant, step, poly, cosine');
    expect(text).toContain('model.swin.depths: expected at least 4 entries, got 3');
    expect(text).toContain('video.windowSize: missing (frames per inference window)');
  });

  it('ties the video section to the task', () => {
    const err = configError(() =>
      loadConfig('configs/minvis/swin-t.yaml', { read: reader({}), overrides: ['video=null'] }),
    );
    expect(err.message).toBe(
      "command line (video=null): video: task 'video-instance' needs the video section",
    );
  });
});

describe('presets', () => {
  const load = (path: string, overrides: string[] = []) => loadConfig(path, { read: reader({}), overrides });

  it('Mask2Former COCO numbers (REFERENCE.md)', () => {
    const t = load('configs/mask2former/swin-t.yaml');
    expect(t.task).toBe('image-instance');
    expect(t.model.swin).toMatchObject({
      embedDim: 96,
      depths: [2, 2, 6, 2],
      numHeads: [3, 6, 12, 24],
      windowSize: 7,
      patchSize: 4,
    });
    expect(t.model.swin).toMatchObject({ mlpRatio: 4, absolutePositionEmbedding: false, dropPathRate: 0.3 });
    expect(t.model.pixelDecoder).toMatchObject({
      convDim: 256,
      maskDim: 256,
      groupNormGroups: 32,
      transformerInFeatures: ['res3', 'res4', 'res5'],
    });
    expect(t.model.pixelDecoder.encoder).toEqual({
      layers: 6,
      heads: 8,
      points: 4,
      ffnDim: 1024,
      dropout: 0,
    });
    expect(t.model.decoder).toMatchObject({
      hiddenDim: 256,
      numQueries: 100,
      heads: 8,
      ffnDim: 2048,
      layers: 9,
      preNorm: false,
      dropout: 0,
    });
    expect(t.loss).toEqual({
      classWeight: 2,
      maskWeight: 5,
      diceWeight: 5,
      noObjectWeight: 0.1,
      deepSupervision: true,
      numPoints: 112 * 112,
      oversampleRatio: 3,
      importanceSampleRatio: 0.75,
      matcher: { classCost: 2, maskCost: 5, diceCost: 5, numPoints: 112 * 112 },
    });
    expect(t.solver).toMatchObject({
      baseLr: 1e-4,
      weightDecay: 0.05,
      backboneMultiplier: 0.1,
      imsPerBatch: 16,
      amp: true,
    });
    expect(t.solver.clipGradients).toEqual({ enabled: true, type: 'full-model', value: 0.01, normType: 2 });
    expect(t.model.pixelMean).toEqual([123.675, 116.28, 103.53]);
    expect(t.model.pixelStd).toEqual([58.395, 57.12, 57.375]);

    const b = load('configs/mask2former/swin-b.yaml');
    expect(b.model.swin).toMatchObject({
      embedDim: 128,
      depths: [2, 2, 18, 2],
      numHeads: [4, 8, 16, 32],
      windowSize: 12,
    });
    expect(b.model.decoder.numQueries).toBe(100);
    const l = load('configs/mask2former/swin-l.yaml');
    expect(l.model.swin).toMatchObject({
      embedDim: 192,
      depths: [2, 2, 18, 2],
      numHeads: [6, 12, 24, 48],
      windowSize: 12,
    });
    expect(l.model.decoder.numQueries).toBe(200);
    expect(l.solver.maxIter).toBe(737500);
  });

  it('MinVIS numbers (REFERENCE.md)', () => {
    const v = load('configs/minvis/swin-l.yaml');
    expect(v.task).toBe('video-instance');
    expect(v.model.numClasses).toBe(40);
    expect(v.model.decoder.numQueries).toBe(200);
    expect(v.solver).toMatchObject({ imsPerBatch: 32, baseLr: 1e-4, maxIter: 6000, steps: [4000] });
    expect(v.input).toMatchObject({ minSizeTrain: [360, 480], minSizeTest: 480 });
    expect(v.video).toMatchObject({
      samplingFrameNum: 1,
      windowSize: 30,
      topkPerVideo: 10,
      maskLogitThreshold: 0,
    });
    expect(load('configs/minvis/swin-t.yaml').input.minSizeTest).toBe(360);
    expect(load('configs/minvis/ytvis21-swin-l.yaml').solver).toMatchObject({ maxIter: 8000, steps: [5500] });
    const ovis = load('configs/minvis/ovis-swin-l.yaml');
    expect(ovis.solver).toMatchObject({ maxIter: 10000, steps: [7000] });
    expect(ovis.model.numClasses).toBe(25);
    expect(ovis.video?.windowInference).toBe(true);
  });

  it('PointVIS and cpu-tiny presets', () => {
    const p = load('configs/pointvis/swin-b.yaml');
    expect(p.pointSupervision).toMatchObject({
      annotatedWeight: 5,
      crossInstanceNegativeWeight: 5,
      masknessWeight: 2,
      selfTrainingRounds: 1,
    });
    expect(p.model.swin.embedDim).toBe(128);
    for (const path of [
      'configs/mask2former/cpu-tiny.yaml',
      'configs/minvis/cpu-tiny.yaml',
      'configs/pointvis/cpu-tiny.yaml',
    ]) {
      const tiny = load(path);
      expect(tiny.model.swin).toMatchObject({ embedDim: 16, numHeads: [1, 2, 4, 8], windowSize: 7 });
      expect(tiny.model.decoder).toMatchObject({ hiddenDim: 64, layers: 3, numQueries: 20 });
      expect(tiny.model.pixelDecoder.encoder.layers).toBe(1);
      expect(tiny.input).toMatchObject({ minSizeTrain: [64], maxSizeTrain: 64, minSizeTest: 64 });
    }
  });

  it('a resolved config survives YAML and JSON round trips', () => {
    const c = load('configs/pointvis/swin-l.yaml', ['seed=7']);
    expect(configFromObject(parse(configToYaml(c)))).toEqual(c);
    expect(configFromObject(JSON.parse(JSON.stringify(c)), 'checkpoint')).toEqual(c);
    expect(configError(() => configFromObject({ ...c, seed: -1 }, 'ckpt.safetensors')).message).toBe(
      'ckpt.safetensors: seed: -1 is too small (must be ≥ 0)',
    );
  });

  it('maps the solver section to the engine schedule', () => {
    const t = load('configs/mask2former/swin-t.yaml');
    expect(lrScheduleFromConfig(t.solver)).toEqual({
      kind: 'step',
      milestones: [327778, 355092],
      gamma: 0.1,
      warmup: { factor: 1, iters: 10, method: 'linear' },
    });
    expect(lrScheduleFromConfig({ ...t.solver, schedule: 'poly' })).toMatchObject({
      kind: 'poly',
      maxIters: 368750,
      power: 0.9,
    });
  });
});

describe('base paths', () => {
  it('detects a cycle through differently written paths of one file', () => {
    const files = { 'cfg/a.yaml': '_base_: ./sub/../b.yaml\n', 'cfg/b.yaml': '_base_: ../cfg/a.yaml\n' };
    expect(configError(() => tree(files, './cfg/a.yaml')).message).toContain(
      'cfg/a.yaml -> cfg/b.yaml -> cfg/a.yaml',
    );
  });
});
