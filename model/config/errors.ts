/** Config problems, each naming the file (or command-line override) and the key path. */

export interface ConfigProblem {
  /** The file the offending value came from, or `command line (key=value)`. */
  source: string;
  /** Dotted key path, e.g. `model.swin.depths.2`; empty for the whole file. */
  keyPath: string;
  problem: string;
}

export function formatProblem(p: ConfigProblem): string {
  return p.keyPath ? `${p.source}: ${p.keyPath}: ${p.problem}` : `${p.source}: ${p.problem}`;
}

/** Shown at most: a config with dozens of problems is usually one mistake repeated. */
const MAX_LISTED = 25;

export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    const lines = problems.slice(0, MAX_LISTED).map(formatProblem);
    if (problems.length > MAX_LISTED) lines.push(`... and ${problems.length - MAX_LISTED} more`);
    super(problems.length === 1 ? lines[0]! : `${problems.length} config problems:\n  ${lines.join('\n  ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }

  static single(source: string, keyPath: string, problem: string): ConfigError {
    return new ConfigError([{ source, keyPath, problem }]);
  }
}
