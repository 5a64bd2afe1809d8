/** "Did you mean ...?" for unknown config keys. */
import type { AnySchema, Path } from './schema.js';

/** Edit distance (insert, delete, substitute, swap adjacent) between two short strings. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** snake_case, kebab-case and case differences do not count: `embed_dim` ~ `embedDim`. */
function normalized(key: string): string {
  return key.replace(/[-_]/g, '').toLowerCase();
}

/** The closest candidate within a typo's distance, or null. */
export function closestKey(key: string, candidates: readonly string[]): string | null {
  const n = normalized(key);
  const same = candidates.find((c) => normalized(c) === n);
  if (same !== undefined) return same;
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const dist = editDistance(n, normalized(c));
    if (dist < bestDistance) {
      best = c;
      bestDistance = dist;
    }
  }
  const allowed = Math.max(1, Math.floor(n.length / 3));
  return bestDistance <= allowed ? best : null;
}

/** Every (path, field schema) of a schema tree. */
function* walkFields(s: AnySchema, path: string[] = []): Generator<[string[], AnySchema]> {
  const inner = s.kind === 'nullable' ? (s.inner as AnySchema) : s;
  if (inner.kind !== 'object') return;
  for (const [key, field] of Object.entries(inner.fields as Record<string, AnySchema>)) {
    yield [[...path, key], field];
    yield* walkFields(field, [...path, key]);
  }
}

/**
 * A " (did you mean X?)" suffix for an unknown key: first a sibling that looks alike, else a key
 * of the same name elsewhere in the schema (a setting put in the wrong section).
 */
export function suggestKey(key: string, path: Path, siblings: readonly string[], root: AnySchema): string {
  const sibling = closestKey(key, siblings);
  if (sibling !== null) return ` (did you mean '${sibling}'?)`;
  const n = normalized(key);
  const here = path.map(String).join('.');
  for (const [fieldPath] of walkFields(root)) {
    const name = fieldPath[fieldPath.length - 1]!;
    const parent = fieldPath.slice(0, -1).join('.');
    if (parent !== here && normalized(name) === n) return ` (did you mean '${fieldPath.join('.')}'?)`;
  }
  return '';
}
