import { benchAttention } from './attention.js';
import { benchDeform } from './deform.js';
import { benchElementwise } from './elementwise.js';
import { benchSample } from './sample.js';
import { benchHungarian } from './hungarian.js';
import { benchLoss } from './loss.js';
import { benchPointCost } from './point-cost.js';
import { benchMatmul } from './matmul.js';
import { benchModel } from './model.js';
import { benchConv } from './conv.js';
import type { BenchEntry } from './timing.js';

/** GPU benchmark suites by name; each kernel family contributes one. */
export const suites: Record<string, () => Promise<BenchEntry[]>> = {
  attention: benchAttention,
  elementwise: benchElementwise,
  deform: benchDeform,
  loss: benchLoss,
  hungarian: benchHungarian,
  sample: benchSample,
  'point-cost': () => benchPointCost(),
  matmul: benchMatmul,
  conv: benchConv,
  model: benchModel,
};
