import { Command } from 'commander';
import { commands } from './commands/index.js';

// The pointvis CLI: one subcommand per file under commands/, each registering itself here.
const program = new Command('pointvis')
  .description('Video instance segmentation from point annotations, on a WebGPU engine')
  .showHelpAfterError();
for (const register of commands) register(program);

program.parseAsync(process.argv).then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    console.error(err instanceof Error ? `pointvis: ${err.message}` : err);
    process.exit(1);
  },
);
