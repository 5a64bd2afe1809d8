// Browser-safe: no file access here (json-path.ts adds readJsonFile for Node).
import { PointvisDataError } from '../errors';

/**
 * A position inside a JSON file being validated: the file, the field path built so far
 * (`annotations[3].segmentations[5]`) and the last list index on that path. Every check failure
 * becomes a PointvisDataError that names all three.
 */
export class JsonPath {
  constructor(
    readonly file: string,
    readonly field?: string,
    readonly index?: number,
  ) {}

  key(name: string): JsonPath {
    return new JsonPath(this.file, this.field === undefined ? name : `${this.field}.${name}`, this.index);
  }

  /** Element i of a list of records or of per-frame values: i becomes the error's index. */
  at(i: number): JsonPath {
    return new JsonPath(this.file, `${this.field ?? ''}[${i}]`, i);
  }

  /** Element i inside a small tuple (a point, a box): the enclosing index stays the error's index. */
  part(i: number): JsonPath {
    return new JsonPath(this.file, `${this.field ?? ''}[${i}]`, this.index);
  }

  /** The `where` argument for PointvisDataError and toRle (field is always set there). */
  where(): { file: string; field: string; index?: number } {
    return { file: this.file, field: this.field ?? '(top level)', index: this.index };
  }

  fail(problem: string): never {
    throw new PointvisDataError(problem, { file: this.file, field: this.field, index: this.index });
  }
}

/**
 * Runs a check and prefixes any PointvisDataError it throws with `context` (e.g. "video 7,
 * object 101, frame 2"), keeping its file, field and index: a message about one object in a
 * large file then says which video, object and frame it is about.
 */
export function withContext<T>(context: string, check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (!(err instanceof PointvisDataError)) throw err;
    throw new PointvisDataError(`${context}: ${err.problem}`, {
      file: err.file,
      field: err.field,
      index: err.index,
    });
  }
}

export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new PointvisDataError(`not valid JSON: ${(err as Error).message}`, { file });
  }
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`;
  return typeof value === 'object' ? 'an object' : typeof value;
}

export function expectObject(value: unknown, path: JsonPath): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    path.fail(`expected an object, got ${describe(value)}`);
  return value as Record<string, unknown>;
}

export function expectArray(value: unknown, path: JsonPath): unknown[] {
  if (!Array.isArray(value)) path.fail(`expected a list, got ${describe(value)}`);
  return value;
}

export function expectString(value: unknown, path: JsonPath): string {
  if (typeof value !== 'string') path.fail(`expected a string, got ${describe(value)}`);
  return value;
}

/** A finite number within [min, max]. */
export function expectNumber(value: unknown, path: JsonPath, min = -Infinity, max = Infinity): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    path.fail(`expected a finite number, got ${describe(value)}`);
  if (value < min || value > max) path.fail(`${value} is outside [${min}, ${max}]`);
  return value;
}

/** A safe integer within [min, max] (ids, sizes, frame counts). */
export function expectInteger(
  value: unknown,
  path: JsonPath,
  min = Number.MIN_SAFE_INTEGER,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value))
    path.fail(`expected an integer, got ${describe(value)}`);
  if (value < min || value > max) path.fail(`${value} is outside [${min}, ${max}]`);
  return value;
}

export function expectZeroOrOne(value: unknown, path: JsonPath): 0 | 1 {
  if (value !== 0 && value !== 1) path.fail(`expected 0 or 1, got ${describe(value)}`);
  return value;
}

/** Optional metadata kept as-is: `info` must be an object, `licenses` a list. */
export function optionalInfo(
  record: Record<string, unknown>,
  path: JsonPath,
): Record<string, unknown> | undefined {
  return record.info === undefined || record.info === null
    ? undefined
    : expectObject(record.info, path.key('info'));
}

export function optionalLicenses(record: Record<string, unknown>, path: JsonPath): unknown[] | undefined {
  return record.licenses === undefined || record.licenses === null
    ? undefined
    : expectArray(record.licenses, path.key('licenses'));
}

/** Checks that ids are unique; returns a map from id to position. */
export function indexById(ids: number[], path: JsonPath, what: string): Map<number, number> {
  const byId = new Map<number, number>();
  ids.forEach((id, i) => {
    if (byId.has(id))
      path
        .at(i)
        .key('id')
        .fail(`duplicate ${what} id ${id} (also at index ${byId.get(id)})`);
    byId.set(id, i);
  });
  return byId;
}

/** Largest frame side accepted: far beyond any real video, small enough that h·w stays exact. */
export const MAX_FRAME_SIDE = 100_000;
