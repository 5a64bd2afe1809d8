/**
 * The checkpoints of a run directory: `checkpoints/model_<iteration>.safetensors` (iteration
 * zero-padded to 7 digits, as detectron2 names them), a `last_checkpoint` file holding the path
 * of the newest one relative to the run directory, and rotation that keeps the newest K. Every
 * file is written atomically and the pointer moves only after its checkpoint is complete, so an
 * interrupted save leaves the previous checkpoint in charge.
 */
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Optimizer } from '../../engine/index.js';
import type { CheckpointState } from '../../model/checkpoint/index.js';
import type { Module } from '../../model/nn/index.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { saveCheckpointFile } from '../io/checkpoint-file.js';

export const LAST_CHECKPOINT_FILE = 'last_checkpoint';
export const CHECKPOINTS_FOLDER = 'checkpoints';
export const FINAL_MODEL_FILE = 'model_final.safetensors';

const CHECKPOINT_NAME = /^model_(\d+)\.safetensors$/;

export function checkpointFileName(iteration: number): string {
  return `model_${String(iteration).padStart(7, '0')}.safetensors`;
}

export interface SavedCheckpoint {
  iteration: number;
  path: string;
}

export class CheckpointDir {
  readonly folder: string;

  constructor(
    readonly runDir: string,
    /** Checkpoints kept (the newest ones); at least 1. */
    readonly keep: number,
  ) {
    if (!Number.isInteger(keep) || keep < 1)
      throw new RangeError(`keep ${keep}: must keep at least one checkpoint`);
    this.folder = join(runDir, CHECKPOINTS_FOLDER);
  }

  get pointerPath(): string {
    return join(this.runDir, LAST_CHECKPOINT_FILE);
  }

  pathFor(iteration: number): string {
    return join(this.folder, checkpointFileName(iteration));
  }

  /** The checkpoint `last_checkpoint` names, or null when there is no pointer. */
  latest(): string | null {
    if (!existsSync(this.pointerPath)) return null;
    const named = readFileSync(this.pointerPath, 'utf8').trim();
    if (named === '') throw new Error(`${this.pointerPath} is empty`);
    const path = resolve(this.runDir, named);
    if (!existsSync(path)) throw new Error(`${this.pointerPath} names ${named}, which does not exist`);
    return path;
  }

  /** Checkpoint files in the folder, oldest first. */
  list(): SavedCheckpoint[] {
    if (!existsSync(this.folder)) return [];
    return readdirSync(this.folder)
      .flatMap((name) => {
        const m = CHECKPOINT_NAME.exec(name);
        return m ? [{ iteration: Number(m[1]), path: join(this.folder, name) }] : [];
      })
      .sort((a, b) => a.iteration - b.iteration);
  }

  /** Writes the checkpoint of `state.iteration`, points `last_checkpoint` at it, drops old ones. */
  async save(model: Module, optimizer: Optimizer | null, state: CheckpointState): Promise<string> {
    const path = this.pathFor(state.iteration);
    await saveCheckpointFile(path, model, optimizer, state);
    writeFileAtomic(this.pointerPath, `${relative(this.runDir, path)}\n`);
    this.rotate(path);
    return path;
  }

  /** Deletes all but the newest `keep` checkpoints (never the one just written). */
  private rotate(current: string): void {
    const all = this.list();
    for (const old of all.slice(0, Math.max(0, all.length - this.keep))) {
      if (resolve(old.path) !== resolve(current)) rmSync(old.path, { force: true });
    }
  }
}
