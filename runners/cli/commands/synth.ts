import type { Command } from 'commander';
import { Option } from 'commander';
import {
  generateSynth,
  isSynthPresetName,
  SYNTH_PRESETS,
  SYNTH_SPLITS,
} from '../../../pointvis/synth/index.js';

interface SynthCliOptions {
  out: string;
  preset: string;
  seed: string;
}

/** `pointvis synth`: write the deterministic synthetic benchmark (COCO-like images + YouTube-VIS-like videos). */
export function register(program: Command): void {
  program
    .command('synth')
    .description('Generate the synthetic benchmark: images (COCO) and videos (YouTube-VIS) with ground truth')
    .requiredOption(
      '--out <dir>',
      'output directory (new, empty, or an earlier synth output, which is replaced)',
    )
    .addOption(
      new Option('--preset <name>', 'size preset').choices(Object.keys(SYNTH_PRESETS)).default('tiny'),
    )
    .option('--seed <n>', 'random seed (integer); the same seed gives byte-identical files', '0')
    .action((options: SynthCliOptions) => {
      if (!isSynthPresetName(options.preset)) throw new Error(`--preset: unknown preset "${options.preset}"`);
      const seed = parseSeed(options.seed);
      const preset = SYNTH_PRESETS[options.preset];
      const started = performance.now();
      const showProgress = process.stderr.isTTY === true;
      const meta = generateSynth({
        outDir: options.out,
        preset,
        seed,
        onProgress: showProgress
          ? (done, total) => process.stderr.write(`\rsynth: ${done}/${total} images and videos`)
          : undefined,
      });
      if (showProgress) process.stderr.write('\n');
      const seconds = (performance.now() - started) / 1000;
      const lines = [
        `synth: preset ${preset.name} (${preset.width}×${preset.height}), seed ${seed}, written to ${options.out} in ${seconds.toFixed(1)} s`,
        `categories: ${meta.sharedCategoryIds.length} shared (images + videos), ${meta.novelCategoryIds.length} novel (videos only)`,
      ];
      for (const split of SYNTH_SPLITS) {
        const im = meta.counts.images[split];
        const vid = meta.counts.videos[split];
        lines.push(
          `${split}: ${im.images} images / ${im.annotations} objects; ${vid.videos} videos / ${vid.frames} frames / ${vid.annotations} objects / ${vid.masks} masks`,
        );
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}

export function parseSeed(text: string): number {
  const seed = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(seed))
    throw new Error(`--seed: "${text}" is not an integer`);
  return seed;
}
