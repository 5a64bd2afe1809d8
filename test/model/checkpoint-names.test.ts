import { describe, expect, it } from 'vitest';
import {
  SWIN_T_COCO,
  isDerivedStateName,
  officialMask2FormerState,
  officialParameterNames,
} from '../../model/checkpoint/index.js';
import { loadConfigFile } from '../../pointvis/io/config-file.js';
// Dumped from the official Mask2Former code by tools/official_state_names.py (state_dict order).
import officialSwinT from '../fixtures/checkpoint/official-swin-t-coco.json';
import officialTiny from '../fixtures/checkpoint/official-cpu-tiny.json';

const asPairs = (entries: ReturnType<typeof officialMask2FormerState>) =>
  entries.map((e) => [e.name, e.shape]);

describe('official Mask2Former state names', () => {
  it('Swin-T COCO: every name and shape of the official state_dict, in order', () => {
    expect(asPairs(officialMask2FormerState(SWIN_T_COCO))).toEqual(officialSwinT);
  });

  // After changing configs/models/cpu-tiny.yaml, update ARCHS in tools/official_state_names.py and
  // regenerate the fixture with `--arch cpu-tiny`.
  it('the cpu-tiny preset: the same structure, shrunk', () => {
    const tiny = loadConfigFile('configs/mask2former/cpu-tiny.yaml').model;
    expect(asPairs(officialMask2FormerState(tiny))).toEqual(officialTiny);
  });

  it('the names quoted in the brief are there with the expected shapes', () => {
    const byName = new Map(officialMask2FormerState(SWIN_T_COCO).map((e) => [e.name, e.shape]));
    // (2·7−1)² relative offsets × 3 heads; qkv packs q, k, v of 96 channels.
    expect(byName.get('backbone.layers.0.blocks.0.attn.relative_position_bias_table')).toEqual([169, 3]);
    expect(byName.get('backbone.layers.0.blocks.0.attn.qkv.weight')).toEqual([288, 96]);
    // 8 heads × 3 levels × 4 points × (x, y).
    expect(
      byName.get('sem_seg_head.pixel_decoder.transformer.encoder.layers.0.self_attn.sampling_offsets.weight'),
    ).toEqual([192, 256]);
    expect(byName.get('sem_seg_head.predictor.query_feat.weight')).toEqual([100, 256]);
    expect(byName.get('sem_seg_head.predictor.class_embed.weight')).toEqual([81, 256]);
    expect(byName.get('sem_seg_head.predictor.mask_embed.layers.0.weight')).toEqual([256, 256]);
  });

  it('marks the buffers pointvis rebuilds instead of loading', () => {
    const derived = officialMask2FormerState(SWIN_T_COCO).filter((e) => e.derived);
    // One relative_position_index per Swin-T block (2+2+6+2) and the criterion's class weights.
    expect(derived.length).toBe(13);
    expect(derived.every((e) => isDerivedStateName(e.name))).toBe(true);
    const learned = officialParameterNames(SWIN_T_COCO);
    expect(learned.some((e) => isDerivedStateName(e.name))).toBe(false);
    expect(learned.length + derived.length).toBe(officialSwinT.length);
    expect(isDerivedStateName('backbone.layers.0.blocks.1.attn_mask')).toBe(true);
    expect(isDerivedStateName('sem_seg_head.predictor.level_embed.weight')).toBe(false);
  });
});
