/** Where the browser app's sources are and where it is built (Node side). */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The repository root (this file is runners/browser/build/paths.ts). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const APP_DIR = join(REPO_ROOT, 'runners', 'browser', 'app');
export const APP_ENTRY = join(APP_DIR, 'main.ts');
/** The default build folder (git-ignored by runners/browser/.gitignore). */
export const DEFAULT_DIST = join(REPO_ROOT, 'runners', 'browser', 'dist');
/** A trained sample model dropped here is bundled instead of the seeded initialisation. */
export const TRAINED_SAMPLE_MODEL = join(REPO_ROOT, 'runners', 'browser', 'sample', 'model.safetensors');
export const CONFIGS_DIR = join(REPO_ROOT, 'configs');
/** The config the sample model is made for. */
export const SAMPLE_CONFIG = 'configs/minvis/cpu-tiny.yaml';
