import { attentionForwardKernel } from '../shaders/attention/forward.js';
import { planTiles } from '../shaders/attention/layout.js';
import { kernelSource } from '../engine/kernel.js';
const p = planTiles('forward', 5, 7, { maxThreads: 256, maxSharedBytes: 32768 }, true, true)!;
console.log(kernelSource(attentionForwardKernel({ plan: p, bias: true, mask: 'bool', split: true })));
