/**
 * Loading named values into a module's parameters and buffers (torch's load_state_dict):
 * everything is checked first and reported together, then written in place.
 */
import {
  EngineError,
  type HostTensor,
  Tensor,
  engine,
  formatShape,
  shapesEqual,
  tensor,
  tidy,
  writeInto,
} from '../../engine/index.js';

/** A value to load: a GPU tensor or CPU data (HostTensor, e.g. from parseSafetensors). */
export type StateValue = Tensor | HostTensor;
export type StateSource = ReadonlyMap<string, StateValue>;

export interface LoadStateDictOptions {
  /** Missing and unexpected names are errors (default true). */
  strict?: boolean;
  /**
   * 'error' (default, like torch even when not strict) or 'skip': leave mismatched parameters
   * at their init and report them (detectron2's checkpointer does this, e.g. for a class head
   * with another number of classes).
   */
  onShapeMismatch?: 'error' | 'skip';
  /** Names in the source to leave out silently (derived buffers, other heads...). */
  ignore?: (name: string) => boolean;
  /** How the error names the target (default: the module's class name). */
  what?: string;
  /** How the error names the source (a file name). */
  source?: string;
}

export interface ShapeMismatch {
  name: string;
  expected: string;
  found: string;
}

export interface LoadStateDictResult {
  /** Names whose values were written. */
  loaded: string[];
  /** In the module, not in the source (left at their current values). */
  missingKeys: string[];
  /** In the source, not in the module (and not ignored). */
  unexpectedKeys: string[];
  /** Skipped for their shape or dtype (only with onShapeMismatch 'skip'). */
  mismatched: ShapeMismatch[];
}

/** Lists shown per category: enough to see the pattern without a wall of names. */
const LISTED = 20;

function listing(title: string, items: readonly string[]): string {
  if (items.length === 0) return '';
  const shown = items.slice(0, LISTED).map((s) => `    ${s}`);
  if (items.length > LISTED) shown.push(`    ... and ${items.length - LISTED} more`);
  return `\n  ${title} (${items.length}):\n${shown.join('\n')}`;
}

export class StateDictError extends EngineError {
  constructor(
    readonly target: string,
    readonly source: string,
    readonly missingKeys: readonly string[],
    readonly unexpectedKeys: readonly string[],
    readonly mismatched: readonly ShapeMismatch[],
  ) {
    const counts = [
      missingKeys.length ? `${missingKeys.length} missing` : '',
      unexpectedKeys.length ? `${unexpectedKeys.length} unexpected` : '',
      mismatched.length ? `${mismatched.length} mismatched` : '',
    ].filter(Boolean);
    super(
      `loading ${source} into ${target}: ${counts.join(', ')}` +
        listing('missing: in the model, not in the source', missingKeys) +
        listing('unexpected: in the source, not in the model', unexpectedKeys) +
        listing(
          'mismatched: model vs source',
          mismatched.map((m) => `${m.name}: model ${m.expected}, source ${m.found}`),
        ),
    );
    this.name = 'StateDictError';
  }
}

function describeValue(v: StateValue): string {
  return `${v.dtype}${formatShape(v.shape)}`;
}

/** Copies one value into a live tensor of the same shape and dtype. */
function writeValue(target: Tensor, value: StateValue): void {
  if (value instanceof Tensor) {
    if (value !== target) writeInto(target, value);
    return;
  }
  if (target.isDense()) {
    if (target.size > 0) engine().stream.upload(target.buffer, 0, value.data);
    return;
  }
  tidy(() => writeInto(target, tensor(value.data, value.shape, value.dtype)));
}

/**
 * Loads `source` into the named tensors `targets` (a module's state dict). All checks happen
 * before any write, so a failed load leaves the module unchanged.
 */
export function loadStateInto(
  targets: ReadonlyMap<string, Tensor>,
  source: StateSource,
  options: LoadStateDictOptions = {},
): LoadStateDictResult {
  const strict = options.strict ?? true;
  const ignore = options.ignore ?? (() => false);
  const missingKeys: string[] = [];
  const mismatched: ShapeMismatch[] = [];
  const writes: [string, Tensor, StateValue][] = [];
  for (const [name, target] of targets) {
    const value = source.get(name);
    if (value === undefined) {
      missingKeys.push(name);
      continue;
    }
    if (!shapesEqual(value.shape, target.shape) || value.dtype !== target.dtype) {
      mismatched.push({ name, expected: describeValue(target), found: describeValue(value) });
      continue;
    }
    writes.push([name, target, value]);
  }
  const unexpectedKeys = [...source.keys()].filter((k) => !targets.has(k) && !ignore(k));
  const fatalMismatch = mismatched.length > 0 && options.onShapeMismatch !== 'skip';
  if (fatalMismatch || (strict && (missingKeys.length > 0 || unexpectedKeys.length > 0))) {
    throw new StateDictError(
      options.what ?? 'module',
      options.source ?? 'state dict',
      strict ? missingKeys : [],
      strict ? unexpectedKeys : [],
      mismatched,
    );
  }
  for (const [, target, value] of writes) writeValue(target, value);
  return { loaded: writes.map(([n]) => n), missingKeys, unexpectedKeys, mismatched };
}
