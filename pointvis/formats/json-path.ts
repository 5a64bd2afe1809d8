/** JSON files on disk (Node): the validation helpers are in json-check.ts (browser-safe). */
import { readFileSync } from 'node:fs';
import { PointvisDataError } from '../errors';
import { parseJsonText } from './json-check';

export * from './json-check';

/** Reads and parses a JSON file; a missing file or broken JSON becomes a PointvisDataError. */
export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new PointvisDataError(`cannot read file: ${(err as Error).message}`, { file: path });
  }
  return parseJsonText(text, path);
}
