/**
 * The run directory's own state: a fresh run needs an empty (or new) folder, a resumed one the
 * run config it started with; each stage leaves a completion marker, written atomically after
 * its outputs, so a resumed run skips exactly the finished stages.
 */
import { existsSync, readdirSync } from 'node:fs';
import { readJsonFile } from '../formats/index.js';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic-write';
import type { RunLayout } from './layout';
import type { RunConfig } from './run-config';
import { loadRunConfig, runConfigToYaml, runConfigTree } from './run-config-load';

export class RunDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunDirError';
  }
}

export interface StageMarker {
  id: string;
  /** Seconds the stage took in the session that finished it. */
  seconds: number;
  finishedAt: string;
  detail: unknown;
}

/** Sections that only change which tables are filled and how the report reads (free to change on resume). */
const RESUMABLE_CHANGES = new Set(['experiments', 'targets', 'report']);

function firstDifference(a: unknown, b: unknown, path: string[] = []): string | null {
  if (JSON.stringify(a) === JSON.stringify(b)) return null;
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && !Array.isArray(a)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], [
        ...path,
        k,
      ]);
      if (d !== null) return d;
    }
  }
  return path.join('.') || '(top level)';
}

/** A fresh run must not mix with an earlier one; a resumed run must find one. */
export function checkRunDir(layout: RunLayout, resume: boolean): void {
  const used = existsSync(layout.root) && readdirSync(layout.root).length > 0;
  if (!resume && used) {
    throw new RunDirError(
      `${layout.root} already holds a run (or other files): continue it with --resume, or choose another --out`,
    );
  }
  if (resume && !existsSync(layout.runConfig)) {
    throw new RunDirError(
      `cannot resume: ${layout.runConfig} does not exist (no run was started in ${layout.root})`,
    );
  }
}

/** The run config a resumed run started with. */
export function storedRunConfig(layout: RunLayout): RunConfig {
  return loadRunConfig(layout.runConfig);
}

/**
 * The config a run goes on with: a fresh run stores `config`; a resumed run keeps its stored
 * one unless `config` is given, which may differ from it only in experiments, targets and report.
 */
export function settleRunConfig(layout: RunLayout, resume: boolean, config: RunConfig | null): RunConfig {
  if (!resume) {
    if (config === null) throw new RunDirError('a fresh run needs a run config');
    writeFileAtomic(layout.runConfig, runConfigToYaml(config));
    return config;
  }
  const stored = storedRunConfig(layout);
  if (config === null) return stored;
  const a = runConfigTree(stored);
  const b = runConfigTree(config);
  for (const key of RESUMABLE_CHANGES) {
    delete a[key];
    delete b[key];
  }
  const diff = firstDifference(a, b);
  if (diff !== null) {
    throw new RunDirError(
      `the run config differs from the one ${layout.root} started with (at ${diff}); only experiments, targets and report may change on --resume: start a new --out`,
    );
  }
  writeFileAtomic(layout.runConfig, runConfigToYaml(config));
  return config;
}

export function readMarker(layout: RunLayout, id: string): StageMarker | null {
  const file = layout.stageMarker(id);
  return existsSync(file) ? (readJsonFile(file) as StageMarker) : null;
}

export function writeMarker(layout: RunLayout, marker: StageMarker): void {
  writeJsonAtomic(layout.stageMarker(marker.id), marker);
}
