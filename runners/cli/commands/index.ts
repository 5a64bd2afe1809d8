import type { Command } from 'commander';
import { registerDoctor } from './doctor.js';
import { register as registerEval } from './eval.js';
import { register as registerInfer } from './infer.js';
import { register as registerPoints } from './points.js';
import { register as registerPretrain } from './pretrain.js';
import { register as registerProposals } from './proposals.js';
import { register as registerPseudo } from './pseudo.js';
import { register as registerRun } from './run.js';
import { register as registerSelftrain } from './selftrain.js';
import { register as registerServe } from './serve.js';
import { register as registerSynth } from './synth.js';
import { register as registerTrain } from './train.js';

export type RegisterCommand = (program: Command) => void;

/** Every subcommand of the CLI; add a new command's register function here. */
export const commands: RegisterCommand[] = [
  registerDoctor,
  registerEval,
  registerSynth,
  registerPoints,
  registerPretrain,
  registerTrain,
  registerProposals,
  registerPseudo,
  registerSelftrain,
  registerInfer,
  registerRun,
  registerServe,
];
