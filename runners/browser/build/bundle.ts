/**
 * The browser app's bundle: runners/browser/app/main.ts and everything it imports from engine/,
 * model/ and pointvis/, bundled by esbuild for the browser. A Node built-in anywhere in that
 * graph fails the build with the importing file named.
 */
import { mkdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type Plugin, build } from 'esbuild';
import { copyFileAtomic } from '../../../pointvis/io/atomic-write.js';
import { APP_DIR, APP_ENTRY, REPO_ROOT } from './paths.js';

/** Refuses `node:` imports (bare `fs` and the like already fail to resolve on platform 'browser'). */
const noNodeBuiltins: Plugin = {
  name: 'no-node-builtins',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) => ({
      errors: [
        {
          text:
            `${args.path} is imported by ${relative(REPO_ROOT, args.importer)}: the browser bundle must not use ` +
            'Node built-ins (move the pure part of that module into a browser-safe file)',
        },
      ],
    }));
  },
};

export interface BundleResult {
  /** The bundle file and its size in bytes. */
  file: string;
  bytes: number;
}

export class BundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BundleError';
  }
}

/** Writes OUT/app.js (+ its source map), OUT/index.html and OUT/style.css; `entry` is for tests. */
export async function bundleApp(outDir: string, entry: string = APP_ENTRY): Promise<BundleResult> {
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, 'app.js');
  try {
    await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      target: ['chrome113', 'edge113', 'firefox141', 'safari26'],
      outfile: file,
      sourcemap: 'linked',
      logLevel: 'silent',
      plugins: [noNodeBuiltins],
    });
  } catch (err) {
    const errors = (err as { errors?: { text: string; location?: { file: string; line: number } | null }[] })
      .errors;
    const lines = errors?.map((e) =>
      e.location ? `${e.location.file}:${e.location.line}: ${e.text}` : e.text,
    );
    throw new BundleError(`building the browser app failed:\n${lines?.join('\n') ?? String(err)}`);
  }
  for (const name of ['index.html', 'style.css']) copyFileAtomic(join(APP_DIR, name), join(outDir, name));
  return { file, bytes: statSync(file).size };
}
