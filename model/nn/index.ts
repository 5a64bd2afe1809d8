// torch.nn-style modules with the original parameter names.
export { Module, type BufferOptions } from './module.js';
export {
  type LoadStateDictOptions,
  type LoadStateDictResult,
  type ShapeMismatch,
  type StateSource,
  type StateValue,
  StateDictError,
  loadStateInto,
} from './state-dict.js';
export { ModuleList, Sequential, type TensorModule } from './module-list.js';
export { Linear } from './linear.js';
export { Mlp } from './mlp.js';
export { LayerNorm } from './layer-norm.js';
export { GroupNorm } from './group-norm.js';
export { Conv2d, type Conv2dModuleOptions } from './conv2d.js';
export { Embedding } from './embedding.js';
export { Dropout, DropPath, StochasticModule, randomState, setRandomState } from './dropout.js';
export { layerNorm, groupNorm } from './functional-norm.js';
export { deriveSeed } from './seed.js';
