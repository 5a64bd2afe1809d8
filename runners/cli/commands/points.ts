import type { Command } from 'commander';
import { Option } from 'commander';
import { loadYtvis, saveYtvis } from '../../../pointvis/formats/index.js';
import {
  annotatePoints,
  PAPER_POINT_SCHEMES,
  parsePointScheme,
  type PointSummary,
} from '../../../pointvis/points/index.js';
import { parseSeed } from './synth.js';

interface PointsCliOptions {
  in: string;
  out: string;
  scheme: string;
  pos: 'random' | 'dt';
  neg: 'inbox' | 'outbox';
  frames: string;
  seed: string;
  keepMasks?: boolean;
}

/** `pointvis points`: simulate point annotations (P1, P10, P1N1, P5N5) from a YouTube-VIS ground truth. */
export function register(program: Command): void {
  program
    .command('points')
    .description('Simulate point annotations from YouTube-VIS ground-truth masks')
    .requiredOption('--in <file>', 'YouTube-VIS ground truth with segmentations')
    .requiredOption('--out <file>', 'output YouTube-VIS JSON with per-frame `points`')
    .option(
      '--scheme <name>',
      `points per object and frame: ${PAPER_POINT_SCHEMES.join(', ')} (or any P<k>N<m>)`,
      'P1',
    )
    .addOption(
      new Option('--pos <rule>', 'positives: uniform over the mask, or distance-transform maximum')
        .choices(['random', 'dt'])
        .default('random'),
    )
    .addOption(
      new Option(
        '--neg <rule>',
        'negatives: inside the box off the mask, or outside the box inside the 200% box',
      )
        .choices(['inbox', 'outbox'])
        .default('inbox'),
    )
    .option(
      '--frames <ratio>',
      'fraction of frames annotated per video (MinVIS rule), e.g. 0.01, 0.05, 0.1, 1',
      '1',
    )
    .option('--seed <n>', 'random seed (integer)', '0')
    .option('--keep-masks', 'keep segmentations, areas and bboxes in the output (default: points only)')
    .action((options: PointsCliOptions) => {
      const frameRatio = Number(options.frames);
      if (!(frameRatio > 0 && frameRatio <= 1))
        throw new Error(`--frames: "${options.frames}" is not a ratio in (0, 1]`);
      const { dataset, summary } = annotatePoints(
        loadYtvis(options.in),
        {
          scheme: parsePointScheme(options.scheme),
          positive: options.pos,
          negative: options.neg,
          frameRatio,
          seed: parseSeed(options.seed),
          keepMasks: options.keepMasks === true,
        },
        options.in,
      );
      saveYtvis(options.out, dataset);
      process.stdout.write(`${formatSummary(summary, options.out)}\n`);
    });
}

function formatSummary(s: PointSummary, out: string): string {
  const bySource = Object.entries(s.negativesBySource)
    .map(([source, n]) => `${source} ${n}`)
    .join(', ');
  return [
    `points: wrote ${out}`,
    `objects ${s.objects} in ${s.videos} videos; frames annotated ${s.framesSelected}`,
    `object-frames with points ${s.objectFramesAnnotated}, absent (empty list) ${s.objectFramesAbsent}`,
    `positives ${s.positives}, negatives ${s.negatives} (${bySource})`,
    `fallbacks: ${s.fallbackNegatives} negatives outside the requested rule, ${s.repeatedPoints} repeated points, ${s.missingNegatives} negatives not placed`,
  ].join('\n');
}
