import { existsSync } from 'node:fs';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { engine, hasEngine } from '../../../engine/index.js';
import { loadYtvis } from '../../../pointvis/formats/index.js';
import { loadFrameModel } from '../../../pointvis/infer/index.js';
import { loadConfigFile } from '../../../pointvis/io/config-file.js';
import {
  mergeProposalShards,
  parseMaskSize,
  parseShard,
  proposalSettingsFromConfig,
  runProposals,
} from '../../../pointvis/proposals/index.js';
import { type AdapterChoice } from '../../node/gpu.js';
import { describeAdapter, startNodeEngine } from '../../node/engine.js';
import { formatDuration } from '../../node/progress.js';

interface ProposalsCliOptions {
  config?: string;
  weights?: string;
  data?: string;
  frames?: string;
  out?: string;
  shard: string;
  size: string;
  resume?: boolean;
  merge?: string;
  adapter: string;
}

/** A bar over videos with an ETA, on a terminal; plain lines every 10% otherwise. */
export function videoProgress(
  label: string,
  total: number,
): { tick(done: number, note: string): void; stop(): void } {
  const stream = process.stderr;
  const started = Date.now();
  if (!stream.isTTY) {
    let shown = -1;
    return {
      tick(done, note) {
        const decile = Math.floor((10 * done) / Math.max(1, total));
        if (decile === shown && done !== total) return;
        shown = decile;
        const eta = done > 0 ? ((Date.now() - started) / 1000 / done) * (total - done) : null;
        stream.write(`${label}: ${done}/${total} videos (${note}), ETA ${formatDuration(eta)}\n`);
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${label} {bar} {value}/{total} videos | {note} | ETA {eta_formatted}`,
      hideCursor: true,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { note: '' });
  return { tick: (done, note) => bar.update(done, { note }), stop: () => bar.stop() };
}

export { parseMaskSize };

function need(value: string | undefined, flag: string): string {
  if (value === undefined) throw new Error(`proposals: ${flag} is required (or use --merge DIR)`);
  if (
    (flag === '--weights' || flag === '--data' || flag === '--frames' || flag === '--config') &&
    !existsSync(value)
  ) {
    throw new Error(`proposals: ${flag} ${value} does not exist`);
  }
  return value;
}

async function generate(options: ProposalsCliOptions, overrides: string[]): Promise<void> {
  const configFile = need(options.config, '--config');
  const weights = need(options.weights, '--weights');
  const dataFile = need(options.data, '--data');
  const framesRoot = need(options.frames, '--frames');
  const outDir = need(options.out, '--out');
  const shard = parseShard(options.shard);
  const maskSize = parseMaskSize(options.size);
  const config = loadConfigFile(configFile, overrides);
  const dataset = loadYtvis(dataFile);
  const log = (line: string) => process.stderr.write(`proposals: ${line}\n`);
  const eng = hasEngine() ? engine() : await startNodeEngine(options.adapter as AdapterChoice);
  log(`adapter ${describeAdapter(eng)}`);
  const { fn, tensors } = loadFrameModel(config, weights);
  log(`loaded ${tensors} tensors from ${weights}`);
  const queries = config.model.decoder.numQueries;
  const settings = proposalSettingsFromConfig(config, maskSize);
  const proposalsPerVideo = settings.proposal.proposalsPerVideo ?? queries;
  const total = dataset.videos.filter((_, i) => i % shard.count === shard.index).length;
  log(
    `${total} videos of ${dataFile} (shard ${shard.index}/${shard.count}); R = ${proposalsPerVideo} of ${queries} queries`,
  );
  const progress = videoProgress('proposals', total);
  const result = await runProposals({
    dataset,
    dataFile,
    framesRoot,
    outDir,
    modelFor: () => fn,
    modelName: `${configFile} + ${weights}`,
    ...settings,
    shard,
    resume: options.resume === true,
    onVideo: (done, _total, videoId) => progress.tick(done, `video ${videoId}`),
  });
  progress.stop();
  process.stdout.write(
    `proposals: wrote ${result.videos.length} videos (${result.reused} kept from before) to ${outDir} ` +
      `in ${formatDuration(result.seconds)}; manifest ${result.manifest}\n`,
  );
}

/**
 * `pointvis proposals`: class-agnostic spatio-temporal proposals (paper §3.2) of every video from
 * the image model, with MinVIS tracking; `--merge DIR` joins the finished shards into index.json.
 */
export function register(program: Command): void {
  program
    .command('proposals')
    .description('Class-agnostic spatio-temporal proposals of every video from a COCO-trained image model')
    .argument('[overrides...]', 'config overrides key=value')
    .option('--config <file>', 'config of the image model (Mask2Former / MinVIS / PointVIS YAML)')
    .option('--weights <file>', 'safetensors weights of the image model')
    .option('--data <file>', 'YouTube-VIS JSON listing the videos')
    .option('--frames <dir>', 'folder the videos’ file_names are relative to')
    .option('--out <dir>', 'output folder: video-<id>.json per video, shard-<i>-of-<n>.json per shard')
    .option('--shard <i/n>', 'process the videos whose index % n == i', '0/1')
    .option(
      '--size <HxW|frame|native>',
      'stored mask size: the video’s frame size, the mask logits’ grid, or HxW',
      'frame',
    )
    .option('--resume', 'keep videos whose proposals file is already there')
    .option(
      '--merge <dir>',
      'merge the finished shards of a folder into index.json (with --data: check every video is there)',
    )
    .option(
      '--adapter <kind>',
      'auto | hardware | swiftshader | gles',
      process.env.POINTVIS_ADAPTER ?? 'auto',
    )
    .action(async (overrides: string[], options: ProposalsCliOptions) => {
      if (options.merge !== undefined) {
        const index = mergeProposalShards(options.merge, {
          dataset: options.data === undefined ? undefined : loadYtvis(options.data),
        });
        process.stdout.write(
          `proposals: merged ${index.shards} shards, ${index.videos.length} videos into ${options.merge}/index.json\n`,
        );
        return;
      }
      await generate(options, overrides);
    });
}
