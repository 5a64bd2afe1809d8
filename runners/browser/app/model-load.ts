/**
 * A MinVIS model in the page: the run config's Mask2Former with the weights of a safetensors
 * file loaded by name (strict, as `pointvis infer` loads them), as MinVIS's per-frame image model.
 */
import { type SafetensorsContents, engine, parseSafetensors } from '../../../engine/index.js';
import { loadWeights } from '../../../model/checkpoint/index.js';
import type { PointvisConfig } from '../../../model/config/index.js';
import { mask2formerFromConfig } from '../../../model/mask2former/index.js';
import type { ImageModelFn } from '../../../model/minvis/index.js';
import { frameModelFn } from '../../../pointvis/infer/frame-model.js';
import { type InferenceSettings, inferenceSettingsFromConfig } from '../../../pointvis/infer/settings.js';

export interface LoadedModel {
  /** The weights file and the config, for the page. */
  weightsName: string;
  configName: string;
  config: PointvisConfig;
  settings: InferenceSettings;
  imageModel: ImageModelFn;
  parameters: number;
  dispose(): void;
}

/** Parses a safetensors file (a SafetensorsError names what is wrong with it). */
export function readWeights(bytes: Uint8Array, name: string): SafetensorsContents {
  return parseSafetensors(bytes, name);
}

/** Builds the model of `config`, loads `weights` into it and waits for the GPU (out of memory shows here). */
export async function buildModel(
  config: PointvisConfig,
  configName: string,
  weights: SafetensorsContents,
  weightsName: string,
): Promise<LoadedModel> {
  const net = mask2formerFromConfig(config);
  try {
    loadWeights(net, weights, { source: weightsName });
    net.eval();
    await engine().sync();
  } catch (err) {
    net.dispose();
    throw err;
  }
  const imageModel: ImageModelFn = frameModelFn(net);
  const parameters = net.parameters().reduce((n, p) => n + p.size, 0);
  return {
    weightsName,
    configName,
    config,
    settings: inferenceSettingsFromConfig(config),
    imageModel,
    parameters,
    dispose: () => net.dispose(),
  };
}
