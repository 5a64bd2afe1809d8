import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { hasEngine } from '../../../engine/index.js';
import type { CategoryMap } from '../../../pointvis/data/category-map.js';
import {
  type InferInput,
  type InferProgress,
  checkCategoryCount,
  datasetInput,
  frameFolderInput,
  inferenceSettingsFromConfig,
  loadCategoriesFile,
  loadFrameModel,
  mergeInferenceShards,
  numberedCategories,
  parseShard,
  runInference,
  videoFileInput,
} from '../../../pointvis/infer/index.js';
import { loadConfigFile } from '../../../pointvis/io/config-file.js';
import { startNodeEngine } from '../../node/engine.js';
import type { AdapterChoice } from '../../node/gpu.js';
import { formatDuration } from '../../node/progress.js';

export interface InferCliOptions {
  config?: string;
  weights?: string;
  frames?: string;
  video?: string;
  data?: string;
  framesRoot?: string;
  out?: string;
  shard?: string;
  overlays?: boolean;
  overlayScore?: string;
  categories?: string;
  merge?: string;
  adapter?: string;
}

/** `pointvis infer`: MinVIS video inference → YouTube-VIS results (+ overlays). */
export function register(program: Command): void {
  program
    .command('infer')
    .description(
      'Run a trained model on videos (MinVIS: per-frame Mask2Former, queries tracked over frames) and write ' +
        'YouTube-VIS results: a frames folder, a video file (needs ffmpeg) or a whole YouTube-VIS dataset',
    )
    .option('--config <file>', 'run config (YAML) of the model')
    .option(
      '--weights <file>',
      'model weights (safetensors: a training checkpoint or a converted official one)',
    )
    .option('--frames <dir>', 'a folder of JPEG/PNG frames (sorted by name) as one video')
    .option('--video <file>', 'a video file, decoded with ffmpeg')
    .option('--data <file>', 'a YouTube-VIS annotation file: every video in it')
    .option(
      '--frames-root <dir>',
      'the folder the --data file names are relative to (default: the file path without .json)',
    )
    .option('--out <dir>', 'output folder: results.json (or a shard of it) and overlays/')
    .option(
      '--shard <i/n>',
      'only the videos at positions p with p % n == i; writes results.shard-i-of-n.json',
    )
    .option('--overlays', 'also write PNG overlays per frame and a strip of 6 frames per video')
    .option('--overlay-score <s>', 'instances scoring at least this are drawn', '0.5')
    .option(
      '--categories <file>',
      'category ids and names of the model classes (a list or a file with "categories")',
    )
    .option('--merge <dir>', 'combine the finished shards in <dir> into <dir>/results.json, then stop')
    .option(
      '--adapter <kind>',
      'auto | hardware | swiftshader | gles',
      process.env.POINTVIS_ADAPTER ?? 'auto',
    )
    .argument('[overrides...]', 'config overrides key=value (e.g. input.minSizeTest=480)')
    .action(async (overrides: string[], options: InferCliOptions) => {
      if (options.merge !== undefined) {
        const merged = mergeInferenceShards(options.merge);
        process.stdout.write(
          `infer: merged ${merged.shards} shards (${merged.videos} videos, ${merged.results} results) into ${merged.resultsFile}\n`,
        );
        return;
      }
      await inferCommand(options, overrides);
    });
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new Error(`infer: ${flag} is required (or --merge DIR)`);
  return value;
}

/** The input the options name: exactly one of --frames, --video, --data. */
export async function openInput(options: InferCliOptions): Promise<InferInput> {
  const given = (['frames', 'video', 'data'] as const).filter((k) => options[k] !== undefined);
  if (given.length !== 1) {
    throw new Error(
      `infer: give exactly one of --frames DIR, --video FILE, --data FILE (got ${given.length})`,
    );
  }
  if (options.frames !== undefined) return frameFolderInput(options.frames);
  if (options.video !== undefined) return videoFileInput(options.video);
  const data = options.data!;
  const root = options.framesRoot ?? data.replace(/\.json$/i, '');
  if (!existsSync(root)) {
    throw new Error(`infer: the frames folder ${root} does not exist (pass --frames-root DIR for ${data})`);
  }
  return datasetInput(data, root);
}

function chooseCategories(options: InferCliOptions, input: InferInput, numClasses: number): CategoryMap {
  if (options.categories !== undefined) return loadCategoriesFile(options.categories);
  if (input.categories !== null) return input.categories;
  process.stderr.write(
    `infer: no --categories given: labelling the ${numClasses} classes with category ids 1..${numClasses}\n`,
  );
  return numberedCategories(numClasses);
}

/** A bar over frames with an ETA on a terminal; otherwise a line every 10% of the frames. */
export function inferProgressBar(): { update: (p: InferProgress) => void; stop: () => void } {
  const stream = process.stderr;
  const started = Date.now();
  const elapsed = () => (Date.now() - started) / 1000;
  const videoText = (p: InferProgress) => `${Math.min(p.videosDone + 1, p.videosTotal)}/${p.videosTotal}`;
  if (!stream.isTTY) {
    let shown = -1;
    return {
      update(p) {
        const decile = Math.floor((10 * p.framesDone) / Math.max(1, p.framesTotal));
        if (decile === shown) return;
        shown = decile;
        const eta = p.framesDone > 0 ? (elapsed() / p.framesDone) * (p.framesTotal - p.framesDone) : null;
        stream.write(
          `infer: ${p.framesDone}/${p.framesTotal} frames, video ${videoText(p)}, ETA ${formatDuration(eta)}\n`,
        );
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: 'infer {bar} {value}/{total} frames | video {videos} | {elapsed} elapsed | ETA {eta_formatted}',
      hideCursor: true,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let running = false;
  return {
    update(p) {
      const payload = { videos: videoText(p), elapsed: formatDuration(elapsed()) };
      if (!running) {
        bar.start(p.framesTotal, p.framesDone, payload);
        running = true;
      } else bar.update(p.framesDone, payload);
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}

export async function inferCommand(
  options: InferCliOptions,
  overrides: readonly string[] = [],
): Promise<void> {
  const configFile = required(options.config, '--config');
  const weights = required(options.weights, '--weights');
  const outDir = required(options.out, '--out');
  const shard = options.shard === undefined ? undefined : parseShard(options.shard);
  const minScore = Number(options.overlayScore ?? '0.5');
  if (!Number.isFinite(minScore))
    throw new Error(`--overlay-score: "${options.overlayScore}" is not a number`);
  const cfg = loadConfigFile(configFile, overrides);
  const settings = inferenceSettingsFromConfig(cfg);
  const input = await openInput(options);
  try {
    const categories = chooseCategories(options, input, settings.numClasses);
    checkCategoryCount(categories, settings.numClasses, options.categories ?? input.source);
    // A caller that already runs an engine (tests, scripts) keeps it.
    if (!hasEngine()) await startNodeEngine((options.adapter ?? 'auto') as AdapterChoice);
    const { fn: model, dispose } = loadFrameModel(cfg, weights);
    const bar = inferProgressBar();
    try {
      const run = await runInference({
        input,
        outDir,
        modelFor: () => model,
        modelName: `config ${resolve(configFile)}, weights ${resolve(weights)}`,
        settings,
        categories,
        shard,
        overlays: options.overlays ? { minScore } : null,
        onProgress: (p) => bar.update(p),
      });
      bar.stop();
      const fps = run.frames / Math.max(run.seconds, 1e-9);
      process.stdout.write(
        `infer: ${run.videos} videos, ${run.frames} frames in ${run.seconds.toFixed(1)} s (${fps.toFixed(2)} frames/s); ` +
          `${run.results.length} results written to ${run.resultsFile}` +
          (run.strips.length > 0 ? `; overlays in ${resolve(outDir, 'overlays')}` : '') +
          '\n',
      );
    } finally {
      bar.stop();
      dispose();
    }
  } finally {
    input.dispose();
  }
}
