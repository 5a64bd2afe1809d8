/**
 * The browser app against the Node code it is bundled from, on the bundled sample (a 64×64
 * synthetic video of 6 frames, the seeded cpu-tiny MinVIS model):
 * - MinVIS in the page (WebGPU in Chromium) gives the results `pointvis infer` writes on the same
 *   frames and weights (Dawn in Node), within a stated tolerance;
 * - clicks with the real mouse and keyboard shortcuts become the expected point annotations
 *   (derived here from where the mouse went), the export reads with the CLI's reader, and an
 *   import of it gives the same export back;
 * - the live pseudo masks equal what `pointvis pseudo`'s code makes of the exported clicks and
 *   the Node proposals of the same model.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mask2formerFromConfig } from '../../model/mask2former/index.js';
import type { FrameOutputs, ImageModelFn } from '../../model/minvis/index.js';
import type { CompressedRle, LabeledPoint, YtvisDataset, YtvisResult } from '../../pointvis/formats/types.js';
import { loadYtvisResults } from '../../pointvis/formats/ytvis-results.js';
import { frameFolderVideo } from '../../pointvis/infer/index.js';
import { loadWeightsFile } from '../../pointvis/io/checkpoint-file.js';
import { loadConfigFile } from '../../pointvis/io/config-file.js';
import { proposalSettingsFromConfig, videoInput, videoProposals } from '../../pointvis/proposals/index.js';
import type { VideoProposalFile } from '../../pointvis/proposals/types.js';
import { loadPointAnnotations, runPseudoLabels } from '../../pointvis/pseudo/index.js';
import { decodeMask, decompressRle } from '../../pointvis/rle/index.js';
import { REPO_ROOT, SAMPLE_CONFIG } from '../../runners/browser/build/index.js';
import { inferCommand } from '../../runners/cli/commands/infer.js';
import {
  ARTIFACTS,
  type AppUnderTest,
  downloadText,
  errorBanner,
  openPage,
  screenshot,
  startAppUnderTest,
  waitForState,
} from './harness.js';

/**
 * Tolerances, browser (Chromium's WebGPU on SwiftShader) vs Node (Dawn on SwiftShader): the same
 * WGSL runs through two builds of Dawn/Tint, so float results may differ in the last bits.
 * Scores (class probabilities) may differ by SCORE_TOL; a mask may differ in MASK_TOL of its
 * frame's pixels (logits within rounding of the threshold can flip).
 */
const SCORE_TOL = 1e-4;
const MASK_TOL = 0.005;

const FRAME = 64;

let app: AppUnderTest;
let page: Page;
let problems: string[];
/** The Node side: `pointvis infer`'s results and `pointvis proposals`' output for the sample. */
let nodeSide: Promise<{ results: YtvisResult[]; proposals: VideoProposalFile }>;

/** The Node runs, one after the other (the engine takes one job at a time), while the page works. */
async function runNodeSide(): Promise<{ results: YtvisResult[]; proposals: VideoProposalFile }> {
  const dist = app.build.outDir;
  const framesDir = join(dist, 'sample', 'frames');
  const weights = join(dist, 'sample', 'model.safetensors');
  const config = join(REPO_ROOT, SAMPLE_CONFIG);
  const out = join(app.scratch, 'infer');
  await inferCommand({
    config,
    weights,
    frames: framesDir,
    out,
    categories: join(dist, 'sample', 'categories.json'),
  });
  const results = loadYtvisResults(join(out, 'results.json'));

  // What `pointvis proposals` does for one video (runProposals → videoProposals).
  const cfg = loadConfigFile(config);
  const net = mask2formerFromConfig(cfg);
  loadWeightsFile(weights, net);
  net.eval();
  const model: ImageModelFn = (frames): FrameOutputs => {
    const o = net.forward(frames);
    return { predLogits: o.predLogits, predMasks: o.predMasks, queryEmbeddings: o.queryEmbeddings };
  };
  try {
    const video = frameFolderVideo(framesDir);
    const settings = proposalSettingsFromConfig(cfg, 'frame');
    const input = videoInput(framesDir, video, {
      ...settings.frameInput,
      dataFile: framesDir,
      videoIndex: 0,
    });
    const proposals = await videoProposals(model, input.source, input.geometry, video.id, settings.proposal);
    return { results, proposals };
  } finally {
    net.dispose();
  }
}

/** Fraction of pixels where two compressed RLEs (or null = empty) differ. */
function maskDisagreement(a: CompressedRle | null, b: CompressedRle | null): number {
  const pixels = (m: CompressedRle | null) =>
    m === null ? new Uint8Array(FRAME * FRAME) : decodeMask(decompressRle(m));
  const pa = pixels(a);
  const pb = pixels(b);
  let differ = 0;
  for (let i = 0; i < pa.length; i++) if (pa[i] !== pb[i]) differ++;
  return differ / pa.length;
}

beforeAll(async () => {
  app = await startAppUnderTest('browser-app');
  nodeSide = runNodeSide();
  ({ page, problems } = await openPage(app));
  expect(await waitForState(page, 'model', ['ready', 'failed'])).toBe('ready');
  expect(await waitForState(page, 'video', ['ready'])).toBe('ready');
});

afterAll(async () => {
  await nodeSide?.catch(() => undefined);
  await app?.close();
});

describe('the browser app on the bundled sample', () => {
  it('runs MinVIS in the page and gives the results of `pointvis infer` on the same frames and weights', async () => {
    expect(await page.textContent('#adapter')).toMatch(/swiftshader/i);
    await page.click('#run');
    expect(await waitForState(page, 'analysis', ['done', 'failed'], 120_000)).toBe('done');
    await screenshot(page, 'inference.png');

    const browser = JSON.parse(
      await downloadText(page, '#export-results', 'results.browser.json'),
    ) as YtvisResult[];
    const { results: node } = await nodeSide;
    writeFileSync(join(ARTIFACTS, 'results.node.json'), JSON.stringify(node));

    // Top 10 of queries × classes each; pair every page result with the Node result of the same
    // category whose score is nearest (near-ties may swap ranks), then compare.
    expect(browser).toHaveLength(10);
    expect(node).toHaveLength(10);
    const unused = new Set(node.map((_, i) => i));
    let maxScore = 0;
    let maxMask = 0;
    for (const b of browser) {
      const candidates = [...unused].filter((i) => node[i]!.category_id === b.category_id);
      expect(candidates.length, `a Node result of category ${b.category_id}`).toBeGreaterThan(0);
      const i = candidates.reduce((best, c) =>
        Math.abs(node[c]!.score - b.score) < Math.abs(node[best]!.score - b.score) ? c : best,
      );
      unused.delete(i);
      maxScore = Math.max(maxScore, Math.abs(node[i]!.score - b.score));
      expect(b.segmentations).toHaveLength(6);
      b.segmentations.forEach((m, t) => {
        maxMask = Math.max(maxMask, maskDisagreement(m, node[i]!.segmentations[t] ?? null));
      });
    }
    console.log(
      `browser vs node: max |score difference| ${maxScore.toExponential(2)} (tolerance ${SCORE_TOL}), ` +
        `max mask pixel disagreement ${(100 * maxMask).toFixed(3)}% (tolerance ${100 * MASK_TOL}%)`,
    );
    // (Both sides run the code on disk: the page its bundle, Node what it imported at the start;
    // an edit to engine/ or model/ in between makes them run different code.)
    expect(maxScore, 'page vs Node class probabilities').toBeLessThanOrEqual(SCORE_TOL);
    expect(maxMask, 'page vs Node masks').toBeLessThanOrEqual(MASK_TOL);

    // The page's table lists the same classes and scores.
    const names = new Map(app.build.sample.categories.map((c) => [c.id, c.name]));
    const rows = await page.$$eval('#tracks-body tr.track, #tracks-body tr.dimmed', (trs) =>
      trs.map((tr) => [tr.getAttribute('data-class'), Number(tr.getAttribute('data-score'))] as const),
    );
    expect(rows.map(([name]) => name)).toEqual(browser.map((r) => names.get(r.category_id)));
    rows.forEach(([, score], k) => expect(score).toBeCloseTo(browser[k]!.score, 5));
    expect(await errorBanner(page)).toEqual({ title: '', detail: '', kind: '' });
  });

  it('turns mouse clicks and shortcuts into point annotations, shows pseudo masks, exports and re-imports', async () => {
    const canvas = (await page.$('#canvas'))!;
    const box = (await canvas.boundingBox())!;
    expect(box.width).toBe(512); // 64 px frames drawn 8× larger
    /** Mouse position of frame point (x, y), and the point the app must record there. */
    const at = (x: number, y: number) => ({
      cx: box.x + (x * box.width) / FRAME,
      cy: box.y + (y * box.height) / FRAME,
    });
    const recorded = (x: number, y: number, label: 0 | 1): LabeledPoint => [
      Math.floor(x * 100) / 100,
      Math.floor(y * 100) / 100,
      label,
    ];
    const click = async (
      x: number,
      y: number,
      options: { button?: 'left' | 'right'; shift?: boolean } = {},
    ) => {
      const { cx, cy } = at(x, y);
      if (options.shift) await page.keyboard.down('Shift');
      await page.mouse.click(cx, cy, { button: options.button ?? 'left' });
      if (options.shift) await page.keyboard.up('Shift');
    };
    const frame = async () => Number(await page.getAttribute('body', 'data-frame'));
    const selected = async () => Number(await page.getAttribute('body', 'data-selected'));

    await page.keyboard.press('o'); // object 1, first category
    expect(await selected()).toBe(1);
    await click(20.5, 30.5); // positive
    await click(40.25, 10.75, { shift: true }); // negative
    await page.keyboard.press('ArrowRight');
    expect(await frame()).toBe(1);
    await click(5.5, 60.125, { button: 'right' }); // negative, recorded as 60.12
    await click(21, 31);
    await page.keyboard.press('o'); // object 2
    expect(await selected()).toBe(2);
    await page.selectOption('#object-category', '2');
    await page.keyboard.press('d');
    expect(await frame()).toBe(2);
    await click(50.5, 50.5);
    await page.keyboard.press('w'); // back to object 1
    expect(await selected()).toBe(1);
    await page.keyboard.press('a');
    await page.keyboard.press('ArrowLeft');
    expect(await frame()).toBe(0);
    await click(30, 30);
    await page.keyboard.press('Control+z'); // that click is undone
    await page.keyboard.press('n'); // clicks are negative now
    expect(await page.getAttribute('body', 'data-click-mode')).toBe('negative');
    await click(33.5, 2.5);
    await page.keyboard.press('n');
    await page.keyboard.press('ArrowDown'); // object 2
    await page.keyboard.press('x'); // absent in frame 0
    await page.fill('#object-name', 'the square');
    await page.press('#object-name', 'Enter');
    // Categories: add one and delete it again, rename another.
    await page.fill('#category-name', 'scratch');
    await page.click('#add-category');
    expect(await page.$$eval('#categories li', (l) => l.length)).toBe(9);
    await page.click('#delete-category');
    expect(await page.$$eval('#categories li', (l) => l.length)).toBe(8);
    await page.click('#categories li[data-category-id="8"]');
    await page.fill('#category-name', 'crescent');
    await page.click('#rename-category');

    const expected: (LabeledPoint[] | null)[][] = [
      [
        [recorded(20.5, 30.5, 1), recorded(40.25, 10.75, 0), recorded(33.5, 2.5, 0)],
        [recorded(5.5, 60.125, 0), recorded(21, 31, 1)],
        null,
        null,
        null,
        null,
      ],
      [[], null, [recorded(50.5, 50.5, 1)], null, null, null],
    ];

    // Pseudo masks follow the clicks: wait for the matcher to catch up.
    await page.waitForSelector('body[data-pseudo="idle"]', { state: 'attached', timeout: 30_000 });
    expect(Number(await page.getAttribute('body', 'data-pseudo-runs'))).toBeGreaterThan(0);
    expect(await page.getAttribute('body', 'data-overlay')).toBe('pseudo');
    expect(await page.textContent('#pseudo-status')).toMatch(/Pseudo masks: \d of 2 objects matched/);
    await screenshot(page, 'annotation-pseudo-masks.png');

    // Export: the CLI's reader takes it, and it holds exactly the clicks made.
    const exported = await downloadText(page, '#export-annotations', 'sample.points.json');
    const exportFile = join(app.scratch, 'points.json');
    writeFileSync(exportFile, exported);
    const { dataset, tracked } = loadPointAnnotations(exportFile);
    expect(tracked).toBe(true);
    expect(dataset.videos).toEqual([
      {
        id: 1,
        width: 64,
        height: 64,
        length: 6,
        file_names: ['00000.png', '00001.png', '00002.png', '00003.png', '00004.png', '00005.png'],
      },
    ]);
    expect(dataset.categories.map((c) => c.name)).toEqual([
      ...app.build.sample.categories.slice(0, 7).map((c) => c.name),
      'crescent',
    ]);
    expect(dataset.annotations.map((a) => [a.id, a.category_id, (a as { name?: string }).name])).toEqual([
      [1, 1, 'object 1'],
      [2, 2, 'the square'],
    ]);
    expect(dataset.annotations.map((a) => a.points)).toEqual(expected);

    // The page's pseudo masks are what `pointvis pseudo` makes of these clicks and the Node proposals.
    const pagePseudo = JSON.parse(
      await downloadText(page, '#export-pseudo', 'sample.pseudo.json'),
    ) as YtvisDataset;
    const { proposals } = await nodeSide;
    const cli = await runPseudoLabels({
      points: dataset,
      pointsFile: exportFile,
      proposals: { read: () => proposals },
      proposalsSource: 'node proposals',
    });
    let maxPseudo = 0;
    let masks = 0;
    cli.dataset.annotations.forEach((a, j) => {
      const mine = pagePseudo.annotations[j]!;
      expect(mine.id).toBe(a.id);
      a.segmentations!.forEach((m, t) => {
        const other = (mine.segmentations![t] ?? null) as CompressedRle | null;
        if (m !== null) masks++;
        expect(other === null, `object ${a.id} frame ${t}: a mask in both or neither`).toBe(m === null);
        maxPseudo = Math.max(maxPseudo, maskDisagreement(m as CompressedRle | null, other));
      });
    });
    console.log(
      `pseudo masks, page vs pointvis pseudo on Node proposals: ${masks} masks, max pixel disagreement ` +
        `${(100 * maxPseudo).toFixed(3)}%`,
    );
    expect(masks).toBeGreaterThan(0);
    expect(maxPseudo).toBeLessThanOrEqual(MASK_TOL);

    // Delete both objects, import the export: the next export is the same file.
    await page.keyboard.press('Delete');
    await page.keyboard.press('Delete');
    expect(await page.getAttribute('body', 'data-objects')).toBe('0');
    await page.setInputFiles('#import-annotations', {
      name: 'sample.points.json',
      mimeType: 'application/json',
      buffer: Buffer.from(exported),
    });
    await page.waitForSelector('body[data-imported="sample.points.json"]', { state: 'attached' });
    expect(await page.getAttribute('body', 'data-objects')).toBe('2');
    const again = await downloadText(page, '#export-annotations', 'sample.points.reimported.json');
    expect(JSON.parse(again)).toEqual(JSON.parse(exported));
    expect(readFileSync(join(ARTIFACTS, 'sample.points.json'), 'utf8')).toBe(exported);
    expect(problems).toEqual([]);
  });
});
