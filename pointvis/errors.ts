/**
 * The one error type the data layer throws for bad input. It names where the problem is:
 * the file, the JSON field path (e.g. `annotations[3].segmentations[5].counts`) and, when the
 * problem is about one element of a list, its index.
 */
export class PointvisDataError extends Error {
  readonly file: string;
  readonly field: string | undefined;
  readonly index: number | undefined;
  /** The message without its "file, field …: " prefix (to re-throw it with more context). */
  readonly problem: string;

  constructor(problem: string, where: { file: string; field?: string; index?: number }) {
    const parts = [where.file];
    if (where.field !== undefined) parts.push(`field ${where.field}`);
    if (where.index !== undefined) parts.push(`index ${where.index}`);
    super(`${parts.join(', ')}: ${problem}`);
    this.name = 'PointvisDataError';
    this.file = where.file;
    this.field = where.field;
    this.index = where.index;
    this.problem = problem;
  }
}
