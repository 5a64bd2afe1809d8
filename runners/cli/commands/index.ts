import type { Command } from 'commander';

export type RegisterCommand = (program: Command) => void;

/** Every subcommand of the CLI; add a new command's register function here. */
export const commands: RegisterCommand[] = [];
