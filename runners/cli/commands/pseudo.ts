import { Option } from 'commander';
import type { Command } from 'commander';
import { parseShard } from '../../../pointvis/proposals/index.js';
import {
  type PseudoScore,
  type PseudoVariant,
  formatPseudoSummary,
  loadGroundTruth,
  makePseudoLabels,
  mergePseudoShards,
  parseLambda,
  writePseudoLabels,
} from '../../../pointvis/pseudo/index.js';
import { savePseudoStrips } from '../../../pointvis/viz/index.js';
import { type CostNormalization, type PresenceRule, engine, hasEngine } from '../../../engine/index.js';
import { type AdapterChoice } from '../../node/gpu.js';
import { describeAdapter, startNodeEngine } from '../../node/engine.js';
import { videoProgress } from './proposals.js';

interface PseudoCliOptions {
  proposals?: string;
  points?: string;
  out: string;
  variant: PseudoVariant;
  lambda: string;
  score?: PseudoScore;
  presence: PresenceRule;
  normalize: CostNormalization;
  viscK?: string;
  shard: string;
  gt?: string;
  viz?: string;
  vizVideos: string;
  frames?: string;
  merge?: boolean;
  adapter: string;
}

function positiveInteger(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${flag}: "${text}" is not a non-negative integer`);
  return n;
}

async function run(options: PseudoCliOptions): Promise<void> {
  if (options.proposals === undefined || options.points === undefined) {
    throw new Error('pseudo: --proposals and --points are required (or use --merge)');
  }
  if (options.viz !== undefined && options.frames === undefined) {
    throw new Error('pseudo: --viz needs --frames (the folder of the videos’ frames)');
  }
  const shard = parseShard(options.shard);
  const weights = parseLambda(options.lambda);
  const eng = hasEngine() ? engine() : await startNodeEngine(options.adapter as AdapterChoice);
  process.stderr.write(`pseudo: adapter ${describeAdapter(eng)}\n`);
  let progress: ReturnType<typeof videoProgress> | null = null;
  const result = await makePseudoLabels({
    pointsFile: options.points,
    proposalsDir: options.proposals,
    out: options.out,
    groundTruth: options.gt === undefined ? undefined : loadGroundTruth(options.gt),
    shard,
    perFrameHint: 'match them per frame with --variant pf',
    variant: options.variant,
    weights,
    score: options.score,
    presence: options.presence,
    normalize: options.normalize,
    viscK: options.viscK === undefined ? undefined : positiveInteger(options.viscK, '--visc-k'),
    onVideos: (done, total) => {
      progress ??= videoProgress('pseudo', total);
      progress.tick(done, `${done} matched`);
    },
  });
  (progress as ReturnType<typeof videoProgress> | null)?.stop();
  const out = result.out;
  process.stdout.write(`${formatPseudoSummary(result.summary, out)}\n`);
  if (options.viz !== undefined) {
    const count = positiveInteger(options.vizVideos, '--viz-videos');
    const written = savePseudoStrips(result.dataset, options.frames!, options.viz, count, out);
    process.stdout.write(`pseudo: ${written.length} strips in ${options.viz}\n`);
  }
}

/**
 * `pointvis pseudo`: pseudo masks from the proposals and the point annotations with the
 * point-based matcher (paper §3.2), or its PF / VISC variants; `--merge` joins shard outputs.
 */
export function register(program: Command): void {
  program
    .command('pseudo')
    .description('Pseudo masks for point-annotated objects: the point-based matcher over the proposals')
    .option('--proposals <dir>', 'proposals folder (pointvis proposals --out)')
    .option('--points <file>', 'point annotations (YouTube-VIS with `points`, or `point_frames`)')
    .requiredOption('--out <file>', 'output YouTube-VIS JSON of pseudo masks (summary next to it)')
    .addOption(
      new Option(
        '--variant <name>',
        'pointvis: spatio-temporal; pf: per frame; visc: top-k confident proposals',
      )
        .choices(['pointvis', 'pf', 'visc'])
        .default('pointvis'),
    )
    .option(
      '--lambda <l1,l2,l3>',
      'weights of L_ann, L_cineg, L_maskness (5,0,0 / 5,5,0 for the ablations)',
      '5,5,2',
    )
    .addOption(
      new Option(
        '--score <name>',
        'proposal score (default maskness; confidence for visc and self-training)',
      ).choices(['maskness', 'confidence', 'inside']),
    )
    .addOption(
      new Option('--presence <rule>', 'when an object shows up in a frame')
        .choices(['any-point', 'positive-point'])
        .default('any-point'),
    )
    .addOption(
      new Option('--normalize <mode>', 'raw point counts (paper) or per-point averages')
        .choices(['none', 'points'])
        .default('none'),
    )
    .option('--visc-k <k>', 'visc: proposals kept per video (default: its annotated objects)')
    .option(
      '--shard <i/n>',
      'process the videos whose index % n == i (output <out>.shard-i-of-n.json)',
      '0/1',
    )
    .option('--gt <file>', 'ground truth for the mIoU (default: the points file when it has segmentations)')
    .option('--viz <dir>', 'write PNG strips (frames, points, pseudo masks) here')
    .option('--viz-videos <n>', 'videos to draw', '4')
    .option('--frames <dir>', 'folder the videos’ file_names are relative to (for --viz)')
    .option('--merge', 'merge <out>.shard-*-of-n.json into --out')
    .option(
      '--adapter <kind>',
      'auto | hardware | swiftshader | gles',
      process.env.POINTVIS_ADAPTER ?? 'auto',
    )
    .action(async (options: PseudoCliOptions) => {
      if (options.merge) {
        const result = mergePseudoShards(options.out);
        writePseudoLabels(options.out, result);
        process.stdout.write(`${formatPseudoSummary(result.summary, options.out)}\n`);
        return;
      }
      await run(options);
    });
}
