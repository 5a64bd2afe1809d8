/** Builds the browser app into a folder: the bundle, the page, the configs and the sample. */
import { type BundleResult, bundleApp } from './bundle.js';
import { DEFAULT_DIST } from './paths.js';
import { type SampleManifest, writeSampleAssets } from './sample-assets.js';

export { BundleError } from './bundle.js';
export { DEFAULT_DIST, REPO_ROOT, SAMPLE_CONFIG, TRAINED_SAMPLE_MODEL } from './paths.js';
export { type SampleManifest, bundledConfigs } from './sample-assets.js';

export interface BrowserAppBuild {
  outDir: string;
  bundle: BundleResult;
  sample: SampleManifest;
  seconds: number;
}

export async function buildBrowserApp(outDir: string = DEFAULT_DIST): Promise<BrowserAppBuild> {
  const started = Date.now();
  const bundle = await bundleApp(outDir);
  const sample = await writeSampleAssets(outDir);
  return { outDir, bundle, sample, seconds: (Date.now() - started) / 1000 };
}
