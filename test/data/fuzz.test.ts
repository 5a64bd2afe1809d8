import { describe, expect, it } from 'vitest';
import {
  parseCoco,
  parseCocoResults,
  parseJsonText,
  parsePointFrames,
  parseYtvis,
  parseYtvisResults,
} from '../../pointvis/formats';
import { PointvisDataError } from '../../pointvis/errors';
import {
  cocoFixture,
  cocoResultsFixture,
  pointFramesFixture,
  ytvisFixture,
  ytvisResultsFixture,
} from './formats-fixtures';

// Seeded corruption of small valid files: whatever is done to them, a parser must either accept
// the result or throw PointvisDataError — never a TypeError, RangeError, hang or crash.

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Json = unknown;
type Container = Record<string, unknown> | unknown[];

const isContainer = (v: unknown): v is Container => typeof v === 'object' && v !== null;

/** Every container in the tree with a key inside it (arrays: indices, objects: own keys). */
function slots(root: Json): [Container, string | number][] {
  const out: [Container, string | number][] = [];
  const visit = (node: Json) => {
    if (Array.isArray(node)) node.forEach((child, i) => (out.push([node, i]), visit(child)));
    else if (isContainer(node))
      for (const key of Object.keys(node)) {
        out.push([node, key]);
        visit((node as Record<string, unknown>)[key]);
      }
  };
  visit(root);
  return out;
}

const oddValues: (() => unknown)[] = [
  () => null,
  () => undefined,
  () => NaN,
  () => Infinity,
  () => -1,
  () => -0.5,
  () => 0,
  () => 1e308,
  () => 2 ** 53 + 1,
  () => 1e9,
  () => 'x',
  () => '',
  () => '254L',
  () => true,
  () => ({}),
  () => [],
  () => [0],
  () => [[0, 0, 1]],
  () => ({ size: [3, 4], counts: [12] }),
  () => ({ size: [3, 4], counts: 'ooooooooooooo' }),
  () => ({ size: [1e9, 1e9], counts: '0' }),
  () => [[1, 2, 3, 4]],
  () => [[0, 0, 1e6, 0, 1e6, 1e6]],
];

function mutate(root: Json, rand: () => number): Json {
  const all = slots(root);
  if (all.length === 0) return oddValues[Math.floor(rand() * oddValues.length)]();
  const [parent, key] = all[Math.floor(rand() * all.length)];
  const get = () => (parent as Record<string | number, unknown>)[key];
  const set = (v: unknown) => ((parent as Record<string | number, unknown>)[key] = v);
  const op = Math.floor(rand() * 9);
  switch (op) {
    case 0: // delete the key / element
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key as string];
      break;
    case 1: // a value of another type or an extreme number
    case 2:
      set(oddValues[Math.floor(rand() * oddValues.length)]());
      break;
    case 3: {
      // numbers: negate, scale hugely, make fractional
      const v = get();
      if (typeof v === 'number') set([-v, v * 1e12, v + 0.5, v - 1][Math.floor(rand() * 4)]);
      else set(-1);
      break;
    }
    case 4: {
      // swap with another slot's value (cloned: one slot may lie inside the other)
      const [p2, k2] = all[Math.floor(rand() * all.length)];
      const other = structuredClone((p2 as Record<string | number, unknown>)[k2]);
      (p2 as Record<string | number, unknown>)[k2] = structuredClone(get());
      set(other);
      break;
    }
    case 5: {
      // wrong array length: drop or duplicate an element
      const v = get();
      if (Array.isArray(v) && v.length > 0) {
        if (rand() < 0.5) v.pop();
        else v.push(structuredClone(v[Math.floor(rand() * v.length)]));
      } else set([v, v]);
      break;
    }
    case 6: // duplicate a sibling element (duplicate ids)
      if (Array.isArray(parent) && parent.length > 0) parent.push(structuredClone(parent[0]));
      else set(structuredClone(root));
      break;
    case 7: {
      // strings: truncate or garble (RLE strings, file names)
      const v = get();
      if (typeof v === 'string') set(rand() < 0.5 ? v.slice(0, Math.floor(rand() * v.length)) : v + '~');
      else set(String(v));
      break;
    }
    default: // rename the key
      if (!Array.isArray(parent)) {
        const value = get();
        delete parent[key as string];
        parent[`${String(key)}_`] = value;
      } else set(undefined);
  }
  return root;
}

/** Parses `value`; passes if that succeeds or throws PointvisDataError, fails on anything else. */
function expectDataErrorOrSuccess(
  parse: (v: unknown) => unknown,
  value: unknown,
  label: string,
): 'ok' | 'rejected' {
  try {
    parse(value);
    return 'ok';
  } catch (err) {
    if (err instanceof PointvisDataError) return 'rejected';
    throw new Error(`${label}: ${String(err)}\n${String((err as Error).stack)}\ninput: ${safeJson(value)}`);
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value)?.slice(0, 2000) ?? String(value);
  } catch {
    return String(value);
  }
}

const formats: [string, () => Json, (v: unknown) => unknown][] = [
  ['ytvis', ytvisFixture, (v) => parseYtvis(v, 'f.json')],
  [
    'ytvis-results',
    ytvisResultsFixture,
    (v) => parseYtvisResults(v, 'f.json', parseYtvis(ytvisFixture(), 'g.json')),
  ],
  ['coco', cocoFixture, (v) => parseCoco(v, 'f.json')],
  ['coco-results', cocoResultsFixture, (v) => parseCocoResults(v, 'f.json')],
  ['point-frames', pointFramesFixture, (v) => parsePointFrames(v, 'f.json')],
];

const CASES = 500;

describe('fuzz: corrupted files give PointvisDataError or parse', () => {
  for (const [name, fixture, parse] of formats) {
    it(`${name}: ${CASES} seeded structural corruptions`, () => {
      const rand = mulberry32(0xc0ffee ^ name.length);
      const outcomes = { ok: 0, rejected: 0 };
      expectDataErrorOrSuccess(parse, fixture(), name);
      for (let i = 0; i < CASES; i++) {
        let value = fixture();
        const rounds = 1 + Math.floor(rand() * 3);
        for (let r = 0; r < rounds; r++) value = mutate(value, rand);
        outcomes[expectDataErrorOrSuccess(parse, value, `${name} case ${i}`)]++;
      }
      // The corruptions must actually bite, and not everything should be rejected either.
      expect(outcomes.rejected).toBeGreaterThan(CASES / 4);
      expect(outcomes.ok).toBeGreaterThan(0);
    });

    it(`${name}: ${CASES / 5} truncated / garbled texts`, () => {
      const rand = mulberry32(0xbeef + name.length);
      const text = JSON.stringify(fixture());
      for (let i = 0; i < CASES / 5; i++) {
        let corrupted = text.slice(0, Math.floor(rand() * text.length));
        if (rand() < 0.5) {
          const at = Math.floor(rand() * text.length);
          corrupted = text.slice(0, at) + '}]",0-e'[Math.floor(rand() * 8)] + text.slice(at + 1);
        }
        expectDataErrorOrSuccess(
          (t) => parse(parseJsonText(t as string, 'f.json')),
          corrupted,
          `${name} text ${i}`,
        );
      }
    });
  }
});
