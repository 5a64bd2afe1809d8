import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Tensor, parseSafetensors, tidyAsync, zeros } from '../../engine/index.js';
import { loadWeights } from '../../model/checkpoint/index.js';
import { Conv2d, Embedding, Linear, Mlp, Module } from '../../model/nn/index.js';
import { loadWeightsFile } from '../../pointvis/io/checkpoint-file.js';
import { useEngine } from '../util/engine.js';

/** Written by `python3 tools/convert_checkpoint.py --selftest --selftest-out test/fixtures/checkpoint`. */
const FIXTURE = 'test/fixtures/checkpoint/converted-selftest.safetensors';

/** The tensors the self-test puts in its fake checkpoint (index = its j), derived ones included. */
const SOURCE: [string, number[]][] = [
  ['backbone.patch_embed.proj.weight', [4, 3, 4, 4]],
  ['backbone.patch_embed.proj.bias', [4]],
  ['backbone.layers.0.blocks.0.attn.relative_position_bias_table', [9, 1]],
  ['backbone.layers.0.blocks.0.attn.relative_position_index', [4, 4]],
  ['backbone.layers.0.blocks.0.attn.qkv.weight', [12, 4]],
  ['backbone.layers.0.blocks.0.attn.qkv.bias', [12]],
  ['sem_seg_head.pixel_decoder.transformer.encoder.layers.0.self_attn.sampling_offsets.weight', [6, 4]],
  ['sem_seg_head.pixel_decoder.transformer.encoder.layers.0.self_attn.sampling_offsets.bias', [6]],
  ['sem_seg_head.predictor.query_feat.weight', [3, 4]],
  ['sem_seg_head.predictor.class_embed.weight', [3, 4]],
  ['sem_seg_head.predictor.class_embed.bias', [3]],
  ['sem_seg_head.predictor.mask_embed.layers.0.weight', [4, 4]],
  ['sem_seg_head.predictor.mask_embed.layers.0.bias', [4]],
  ['criterion.empty_weight', [3]],
];
const DROPPED = new Set([
  'backbone.layers.0.blocks.0.attn.relative_position_index',
  'criterion.empty_weight',
]);

/** The self-test's value formula: multiples of 1/64, exact in every float type. */
function expectedValues(j: number, size: number): number[] {
  return Array.from({ length: size }, (_, i) => ((i * 7 + j * 13) % 101) / 64 - 1);
}

class Node extends Module {
  add<M extends Module>(name: string, m: M): M {
    return this.registerModule(name, m);
  }
  param(name: string, t: Tensor): Tensor {
    return this.registerParameter(name, t);
  }
}

/** A module tree holding exactly the converted names, built from our nn modules. */
function officialShapedModel(): Node {
  const root = new Node();
  const backbone = root.add('backbone', new Node());
  backbone.add('patch_embed', new Node()).add('proj', new Conv2d(3, 4, 4, { seed: 1, stride: 4 }));
  const attn = backbone
    .add('layers', new Node())
    .add('0', new Node())
    .add('blocks', new Node())
    .add('0', new Node())
    .add('attn', new Node());
  attn.param('relative_position_bias_table', zeros([9, 1]));
  attn.add('qkv', new Linear(4, 12, { seed: 2 }));
  const head = root.add('sem_seg_head', new Node());
  head
    .add('pixel_decoder', new Node())
    .add('transformer', new Node())
    .add('encoder', new Node())
    .add('layers', new Node())
    .add('0', new Node())
    .add('self_attn', new Node())
    .add('sampling_offsets', new Linear(4, 6, { seed: 3 }));
  const predictor = head.add('predictor', new Node());
  predictor.add('query_feat', new Embedding(3, 4, { seed: 4 }));
  predictor.add('class_embed', new Linear(4, 3, { seed: 5 }));
  predictor.add('mask_embed', new Mlp([4, 4], 6));
  return root;
}

beforeAll(async () => {
  await useEngine();
});

describe('checkpoints converted by tools/convert_checkpoint.py', () => {
  it('hold the official names as F32, without the derived buffers', () => {
    const contents = parseSafetensors(new Uint8Array(readFileSync(FIXTURE)), FIXTURE);
    const kept = SOURCE.filter(([n]) => !DROPPED.has(n));
    expect([...contents.tensors.keys()]).toEqual(kept.map(([n]) => n));
    expect(contents.metadata).toMatchObject({ format: 'pt', source: 'selftest.pth', dropped_derived: '2' });
    SOURCE.forEach(([name, shape], j) => {
      const t = contents.tensors.get(name);
      if (DROPPED.has(name)) return expect(t).toBeUndefined();
      expect(t!.sourceDtype).toBe('F32'); // f16 and f64 sources were widened/narrowed
      expect(t!.shape).toEqual(shape);
      expect(Array.from(t!.data)).toEqual(expectedValues(j, t!.data.length));
    });
  });

  it('load strictly into modules with the same names', async () => {
    const model = officialShapedModel();
    const result = loadWeightsFile(FIXTURE, model);
    expect(result.loaded.length).toBe(12);
    await tidyAsync(async () => {
      const state = model.stateDict();
      for (const [j, [name]] of SOURCE.entries()) {
        if (DROPPED.has(name)) continue;
        const t = state.get(name)!;
        expect(Array.from(await t.data())).toEqual(expectedValues(j, t.size));
      }
    });
    model.dispose();
  });

  it('load one subtree by prefix, and report what a strict load of the rest would miss', async () => {
    const model = officialShapedModel();
    const contents = parseSafetensors(new Uint8Array(readFileSync(FIXTURE)), FIXTURE);
    const predictor = model.namedModules().find(([n]) => n === 'sem_seg_head.predictor')![1];
    const result = loadWeights(predictor, contents, { prefix: 'sem_seg_head.predictor.' });
    expect(result.loaded).toEqual([
      'query_feat.weight',
      'class_embed.weight',
      'class_embed.bias',
      'mask_embed.layers.0.weight',
      'mask_embed.layers.0.bias',
    ]);
    const backbone = model.namedModules().find(([n]) => n === 'backbone')![1];
    const bare = new Map(
      [...contents.tensors].filter(([n]) => n.startsWith('backbone.')).map(([n, t]) => [n.slice(9), t]),
    );
    bare.delete('patch_embed.proj.bias');
    // ImageNet weights carry bare Swin names: addPrefix + prefix maps them onto the backbone.
    expect(() => loadWeights(backbone, bare, { addPrefix: 'backbone.', prefix: 'backbone.' })).toThrow(
      /1 missing[\s\S]*patch_embed\.proj\.bias/,
    );
    expect(
      loadWeights(backbone, bare, { addPrefix: 'backbone.', prefix: 'backbone.', strict: false }).missingKeys,
    ).toEqual(['patch_embed.proj.bias']);
    model.dispose();
  });
});
