/**
 * A small typed schema language for configs. `Schema<T>` maps a TypeScript type to the schema
 * node that checks it, so a schema written for an interface must list every field with the
 * right kind — a field added to the interface without a schema entry is a compile error.
 * Validation collects every problem with its key path instead of stopping at the first.
 */
import { suggestKey } from './suggest.js';

export type Path = readonly (string | number)[];

export interface Issue {
  path: Path;
  message: string;
}

interface SchemaBase {
  /** One line on what the value means, used in error messages. */
  doc?: string;
}

export interface BooleanSchema extends SchemaBase {
  kind: 'boolean';
}

export interface NumberSchema extends SchemaBase {
  kind: 'number';
  integer: boolean;
  min?: number;
  max?: number;
  /** The bounds exclude themselves. */
  minExclusive?: boolean;
  maxExclusive?: boolean;
}

export interface StringSchema<T extends string = string> extends SchemaBase {
  kind: 'string';
  /** The allowed values; any string when absent. */
  values?: readonly T[];
}

export interface ListSchema<E> extends SchemaBase {
  kind: 'list';
  item: Schema<E>;
  minLength?: number;
  maxLength?: number;
}

export type FieldSchemas<T> = { [K in keyof T]-?: Schema<T[K]> };

export interface ObjectSchema<T> extends SchemaBase {
  kind: 'object';
  fields: FieldSchemas<T>;
  /** Relations between fields, run once every field is valid; paths are relative to this object. */
  check?: (value: T) => Issue[];
}

export interface NullableSchema<T> extends SchemaBase {
  kind: 'nullable';
  inner: Schema<T>;
}

/** The schema node for values of type T. */
export type Schema<T> = null extends T
  ? NullableSchema<Exclude<T, null>>
  : [T] extends [boolean]
    ? BooleanSchema
    : [T] extends [number]
      ? NumberSchema
      : [T] extends [string]
        ? StringSchema<T>
        : [T] extends [readonly (infer E)[]]
          ? ListSchema<E>
          : [T] extends [object]
            ? ObjectSchema<T>
            : never;

/** Any schema node, for code that walks schemas without knowing their type. */
export type AnySchema =
  | BooleanSchema
  | NumberSchema
  | StringSchema
  | ListSchema<unknown>
  | ObjectSchema<Record<string, unknown>>
  | NullableSchema<unknown>;

export const bool = (doc?: string): BooleanSchema => ({ kind: 'boolean', doc });

export function num(options: Omit<NumberSchema, 'kind' | 'integer'> = {}): NumberSchema {
  return { kind: 'number', integer: false, ...options };
}

export function int(options: Omit<NumberSchema, 'kind' | 'integer'> = {}): NumberSchema {
  return { kind: 'number', integer: true, ...options };
}

export const str = (doc?: string): StringSchema => ({ kind: 'string', doc });

export function oneOf<T extends string>(values: readonly T[], doc?: string): StringSchema<T> {
  return { kind: 'string', values, doc };
}

export function list<E>(
  item: Schema<E>,
  options: { minLength?: number; maxLength?: number; doc?: string } = {},
): ListSchema<E> {
  return { kind: 'list', item, ...options };
}

export function obj<T>(fields: FieldSchemas<T>, check?: (value: T) => Issue[]): ObjectSchema<T> {
  return { kind: 'object', fields, check };
}

export function nullable<T>(inner: Schema<T>): NullableSchema<T> {
  return { kind: 'nullable', inner } as NullableSchema<T>;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** How a value reads in a message: short JSON. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${describeValue(v)}`;
}

function checkNumber(s: NumberSchema, v: unknown): string | null {
  if (typeof v !== 'number' || Number.isNaN(v))
    return `expected ${s.integer ? 'an integer' : 'a number'}, got ${typeName(v)}`;
  if (s.integer && !Number.isSafeInteger(v)) return `expected an integer, got ${v}`;
  if (!s.integer && !Number.isFinite(v)) return `expected a finite number, got ${v}`;
  if (s.min !== undefined && (s.minExclusive ? !(v > s.min) : !(v >= s.min))) {
    return `${v} is too small (must be ${s.minExclusive ? '>' : '≥'} ${s.min})`;
  }
  if (s.max !== undefined && (s.maxExclusive ? !(v < s.max) : !(v <= s.max))) {
    return `${v} is too large (must be ${s.maxExclusive ? '<' : '≤'} ${s.max})`;
  }
  return null;
}

/**
 * Checks `value` against `schema`, pushing every problem onto `issues`. Returns the value when
 * it (and everything inside it) is valid; the caller only trusts the result when `issues` did
 * not grow.
 */
export function validate<T>(
  schema: Schema<T>,
  value: unknown,
  issues: Issue[],
  path: Path = [],
  root?: AnySchema,
): T {
  validateNode(schema as AnySchema, value, issues, path, root ?? (schema as AnySchema));
  return value as T;
}

function validateNode(s: AnySchema, v: unknown, issues: Issue[], path: Path, root: AnySchema): void {
  const fail = (message: string, at: Path = path) => issues.push({ path: at, message });
  switch (s.kind) {
    case 'nullable':
      if (v !== null) validateNode(s.inner as AnySchema, v, issues, path, root);
      return;
    case 'boolean':
      if (typeof v !== 'boolean') fail(`expected true or false, got ${typeName(v)}`);
      return;
    case 'number': {
      const problem = checkNumber(s, v);
      if (problem) fail(problem);
      return;
    }
    case 'string':
      if (typeof v !== 'string')
        fail(`expected ${s.values ? `one of ${s.values.join(', ')}` : 'a string'}, got ${typeName(v)}`);
      else if (s.values && !s.values.includes(v))
        fail(`${describeValue(v)} is not one of ${s.values.join(', ')}`);
      return;
    case 'list': {
      if (!Array.isArray(v)) return void fail(`expected a list, got ${typeName(v)}`);
      if (s.minLength !== undefined && v.length < s.minLength)
        fail(`expected at least ${s.minLength} entries, got ${v.length}`);
      if (s.maxLength !== undefined && v.length > s.maxLength)
        fail(`expected at most ${s.maxLength} entries, got ${v.length}`);
      v.forEach((item, i) => validateNode(s.item as AnySchema, item, issues, [...path, i], root));
      return;
    }
    case 'object': {
      if (!isPlainObject(v)) return void fail(`expected a mapping, got ${typeName(v)}`);
      const before = issues.length;
      const fields = s.fields as Record<string, AnySchema>;
      for (const key of Object.keys(v)) {
        if (!(key in fields))
          fail(`unknown key${suggestKey(key, path, Object.keys(fields), root)}`, [...path, key]);
      }
      for (const [key, field] of Object.entries(fields)) {
        if (!(key in v)) {
          const what = field.doc ? ` (${field.doc})` : '';
          fail(`missing${what}`, [...path, key]);
          continue;
        }
        validateNode(field, v[key], issues, [...path, key], root);
      }
      if (issues.length === before && s.check) {
        for (const issue of s.check(v))
          issues.push({ path: [...path, ...issue.path], message: issue.message });
      }
      return;
    }
  }
}

export function formatPath(path: Path): string {
  return path.length === 0 ? '(top level)' : path.map(String).join('.');
}
