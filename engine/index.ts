// The engine's public surface. Model and pipeline code import from here.
export * from './dtype.js';
export * from './errors.js';
export * from './shape.js';
export { type AdapterReport, GpuDevice, acquireDevice, adapterName } from './device.js';
export { type KernelSpec, kernel } from './kernel.js';
export { Engine, engine, initEngine, hasEngine } from './runtime.js';
export { Tensor, Storage } from './tensor.js';
export { tidy, tidyAsync, keep } from './scope.js';
export { backward, noGrad, isGradEnabled, detach, recordOp } from './autograd.js';
export * from './ops/copy.js';
export * from './ops/view.js';
