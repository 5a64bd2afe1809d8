/**
 * POSIX-style path arithmetic for `_base_` references (model/ runs in the browser too, so no
 * node:path). Paths use '/'; a base path starting with '/' is absolute.
 */

export function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  if (i < 0) return '.';
  return i === 0 ? '/' : path.slice(0, i);
}

/** Resolves '.' and '..' segments; keeps a leading '/' and leading '..' of relative paths. */
export function normalizePath(path: string): string {
  const absolute = path.startsWith('/');
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..' && out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else if (seg === '..' && absolute) continue;
    else out.push(seg);
  }
  const joined = out.join('/');
  return absolute ? `/${joined}` : joined || '.';
}

/** `ref` relative to the directory of `fromFile` (or `ref` itself when absolute). */
export function resolveRelative(fromFile: string, ref: string): string {
  return ref.startsWith('/') ? normalizePath(ref) : normalizePath(`${dirname(fromFile)}/${ref}`);
}
