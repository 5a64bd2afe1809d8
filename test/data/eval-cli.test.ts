// `pointvis eval` end to end on small files: JSON output keys, table output, --coco, errors.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { PointvisDataError } from '../../pointvis/errors';
import { register } from '../../runners/cli/commands/eval';
import { categories, cocoGt, compressed, detection, gtTrack, image, rect, video } from './eval-fixtures';
import { runCapturedCli } from '../util/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'pointvis-eval-cli-'));

function file(name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

async function runCli(args: string[]): Promise<string> {
  return (await runCapturedCli([register], ['eval', ...args])).stdout;
}

afterEach(() => vi.restoreAllMocks());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const mask = rect(10, 10, 0, 3);
const ytvisGt = { videos: [video(1, 1)], annotations: [gtTrack(1, 1, [mask])], categories: categories(1, 2) };

describe('pointvis eval', () => {
  it('prints exactly one JSON object with the metric keys and per_category', async () => {
    const gt = file('gt.json', ytvisGt);
    const res = file('res.json', [detection(1, 1, 0.9, [mask])]);
    const out = await runCli(['--gt', gt, '--results', res, '--json']);
    const parsed = JSON.parse(out) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual([
      'AP',
      'AP50',
      'AP75',
      'APs',
      'APm',
      'APl',
      'AR1',
      'AR10',
      'AR100',
      'per_category',
    ]);
    expect(parsed.AP as number).toBeCloseTo(100, 10);
    expect(parsed.per_category).toEqual([
      { id: 1, name: 'cat1', AP: parsed.AP },
      { id: 2, name: 'cat2', AP: -1 },
    ]);
  });

  it('prints a table by default and evaluates a category subset', async () => {
    const gt = file('gt2.json', ytvisGt);
    const res = file('res2.json', [detection(1, 1, 0.9, [mask])]);
    const table = await runCli(['--gt', gt, '--results', res]);
    expect(table).toMatch(/AP50/);
    expect(table).toMatch(/100\.0/);
    expect(table).toMatch(/cat2\s+-/);
    const subset = JSON.parse(await runCli(['--gt', gt, '--results', res, '--json', '--categories', '2']));
    expect(subset.AP).toBe(-1);
  });

  it('evaluates COCO files with --coco', async () => {
    const gt = file('coco.json', {
      images: [image(1)],
      annotations: [cocoGt(1, 1, mask)],
      categories: categories(1),
    });
    const res = file('coco-res.json', [
      { image_id: 1, category_id: 1, score: 0.5, segmentation: compressed(mask) },
    ]);
    const out = JSON.parse(await runCli(['--gt', gt, '--results', res, '--json', '--coco']));
    expect(out.AP).toBeCloseTo(100, 10);
  });

  it('refuses ground truth without iscrowd with a data error', async () => {
    const { iscrowd: _crowd, ...noCrowd } = gtTrack(1, 1, [mask]);
    const gt = file('gt3.json', { ...ytvisGt, annotations: [noCrowd] });
    const res = file('res3.json', []);
    await expect(runCli(['--gt', gt, '--results', res, '--json'])).rejects.toThrow(PointvisDataError);
  });
});
