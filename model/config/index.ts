// Run configs: types, loading with `_base_` inheritance and overrides, validation.
export type * from './types.js';
export { ConfigError, type ConfigProblem, formatProblem } from './errors.js';
export {
  type ConfigReader,
  type LoadConfigOptions,
  composeConfigFile,
  configFromObject,
  configToYaml,
  loadConfig,
  loadConfigTree,
  parseConfigText,
  validateTree,
} from './loader.js';
export { mergeSourced } from './merge.js';
export { applyOverride, applyOverrides, parseOverride } from './overrides.js';
export { FEATURE_STRIDE, pointvisConfigSchema } from './schema-pointvis.js';
export { lrScheduleFromConfig } from './solver.js';
export type { ConfigTree, ConfigValue, SourcedTree } from './tree.js';
