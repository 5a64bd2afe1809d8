// `pointvis run`: the whole method from one run config in one process, and report.md.
export type { RunConfig, RunDataConfig, SynthDataConfig, DataFiles, ModelRef } from './run-config';
export { runConfigSchema, tablesOf } from './run-config';
export {
  type LoadRunConfigOptions,
  checkModelConfigs,
  loadModelConfig,
  loadRunConfig,
  runConfigToYaml,
  runConfigTree,
} from './run-config-load';
export { RunLayout, REPORT_FILE, RUN_CONFIG_FILE, AP_LOG_FILE } from './layout';
export { RunDirError, type StageMarker, checkRunDir, settleRunConfig, storedRunConfig } from './run-dir';
export * from './plan';
export { type DataInfo, PipelineDataError, splitCategories, synthPreset } from './stage-data';
export type { PipelineHooks, StageEvent } from './context';
export { type PipelineOptions, type PipelineResult, runPipeline } from './pipeline';
export * from './report-tables';
export { type ReportInput, type StageTiming, renderReport } from './report-markdown';
export { barChartSpec, lineChartSpec } from './curves';
