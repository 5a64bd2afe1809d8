/**
 * Inputs other than the sample, and failures the page must explain in the page itself:
 * - frames picked as files or dropped on the picture, in the CLI's natural frame order; frames
 *   of different sizes refused with the CLI's message;
 * - a malformed point-annotation file (the CLI's validation message, naming video, object, frame
 *   and field), broken JSON, a weights file that is not safetensors, a browser without WebGPU;
 * - what each GPU failure is called in the banner, the static server's refusal to leave its
 *   folder, and the bundle's refusal of Node built-ins.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceLostError, GpuOutOfMemoryError, NoAdapterError } from '../../engine/index.js';
import { PointvisDataError } from '../../pointvis/errors.js';
import { loadConfigFile } from '../../pointvis/io/config-file.js';
import { encodePng } from '../../pointvis/frames/index.js';
import { describeError } from '../../runners/browser/app/error-text.js';
import { BundleError, bundleApp } from '../../runners/browser/build/bundle.js';
import { REPO_ROOT, SAMPLE_CONFIG } from '../../runners/browser/build/paths.js';
import { resolveStaticPath } from '../../runners/cli/commands/serve.js';
import {
  type AppUnderTest,
  errorBanner,
  openPage,
  screenshot,
  startAppUnderTest,
  waitForState,
} from './harness.js';

let app: AppUnderTest;

beforeAll(async () => {
  app = await startAppUnderTest('browser-app-errors');
});
afterAll(async () => {
  await app?.close();
});

const sampleVideo = {
  id: 1,
  width: 64,
  height: 64,
  length: 6,
  file_names: ['00000.png', '00001.png', '00002.png', '00003.png', '00004.png', '00005.png'],
};

/** A PNG of one flat colour. */
function flatPng(width: number, height: number, grey: number): Buffer {
  return Buffer.from(encodePng({ width, height, data: new Uint8Array(width * height * 3).fill(grey) }));
}

describe('frames from files', () => {
  it('takes picked frames in natural order (f2 before f10), and refuses frames of two sizes', async () => {
    const { page, problems } = await openPage(app, '?sample=0');
    await page.setInputFiles('#frames-files', [
      { name: 'f10.png', mimeType: 'image/png', buffer: flatPng(40, 24, 200) },
      { name: 'f2.png', mimeType: 'image/png', buffer: flatPng(40, 24, 100) },
      { name: 'f1.png', mimeType: 'image/png', buffer: flatPng(40, 24, 0) },
      { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a frame') },
    ]);
    expect(await waitForState(page, 'video', ['ready', 'failed'])).toBe('ready');
    expect(await page.textContent('#video-info')).toBe('frames: 3 frames of 40×24');
    const names: string[] = [];
    for (let t = 0; t < 3; t++) {
      names.push(((await page.textContent('#frame-label')) ?? '').replace(/^.* · /, ''));
      await page.keyboard.press('ArrowRight');
    }
    expect(names).toEqual(['f1.png', 'f2.png', 'f10.png']);
    // Space plays (frames advance on their own), Space again pauses.
    await page.keyboard.press('Space');
    await page.waitForFunction(() => document.body.dataset.frame !== '2', undefined, { timeout: 5000 });
    await page.keyboard.press('Space');
    expect(await page.textContent('#play')).toBe('Play');

    await page.setInputFiles('#frames-files', [
      { name: '00000.png', mimeType: 'image/png', buffer: flatPng(40, 24, 0) },
      { name: '00001.png', mimeType: 'image/png', buffer: flatPng(24, 40, 0) },
    ]);
    expect(await waitForState(page, 'video', ['ready', 'failed'])).toBe('failed');
    const banner = await errorBanner(page);
    expect(banner.kind).toBe('file-format');
    expect(banner.detail).toContain(
      'frame 00001.png is 24×40, but the first frame 00000.png is 40×24: all frames of a video must have one size',
    );
    expect(problems.filter((p) => !p.startsWith('console:'))).toEqual([]);
    await page.close();
  });

  it('loads frames dropped on the picture', async () => {
    const { page } = await openPage(app, '?sample=0');
    const pngs = [flatPng(16, 16, 30), flatPng(16, 16, 60)].map((b) => b.toString('base64'));
    const transfer = await page.evaluateHandle((files: string[]) => {
      const dt = new DataTransfer();
      files.forEach((b64, i) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        dt.items.add(new File([bytes], `drop${i}.png`, { type: 'image/png' }));
      });
      return dt;
    }, pngs);
    await page.dispatchEvent('#drop-zone', 'drop', { dataTransfer: transfer });
    expect(await waitForState(page, 'video', ['ready', 'failed'])).toBe('ready');
    expect(await page.textContent('#video-info')).toBe('frames: 2 frames of 16×16');
    // The picture shows the first frame's grey (30) where no overlay is drawn.
    const pixel = await page.$eval('#canvas', (c) =>
      Array.from((c as HTMLCanvasElement).getContext('2d')!.getImageData(5, 5, 1, 1).data),
    );
    expect(pixel).toEqual([30, 30, 30, 255]);
    await page.close();
  });
});

describe('a model from files', () => {
  it('takes weights with a JSON config sidecar, or with a YAML config built on a repository config', async () => {
    const { page } = await openPage(app, '?sample=0');
    expect(await waitForState(page, 'engine', ['ready', 'failed'])).toBe('ready');
    const weights = readFileSync(join(app.build.outDir, 'sample', 'model.safetensors'));
    const resolved = loadConfigFile(join(REPO_ROOT, SAMPLE_CONFIG));
    await page.setInputFiles('#model-files', [
      { name: 'tiny.safetensors', mimeType: 'application/octet-stream', buffer: weights },
      { name: 'tiny.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(resolved)) },
    ]);
    expect(await waitForState(page, 'model', ['ready', 'failed'])).toBe('ready');
    expect(await page.textContent('#model-info')).toMatch(
      /^tiny\.safetensors with configs\/picked\/tiny\.json: 8 classes, 0\.84 M parameters$/,
    );

    // A YAML file whose _base_ is the repository's config; its override shows in the class count
    // the weights must then fit (they do not: the class head has 8 + 1 outputs).
    const yaml = '_base_: ../minvis/cpu-tiny.yaml\nmodel:\n  numClasses: 3\n';
    await page.setInputFiles('#model-files', [
      { name: 'three.yaml', mimeType: 'text/yaml', buffer: Buffer.from(yaml) },
      { name: 'tiny.safetensors', mimeType: 'application/octet-stream', buffer: weights },
    ]);
    await page.waitForSelector('#error:not([hidden])');
    const banner = await errorBanner(page);
    expect(banner.kind).toBe('file-format');
    expect(banner.detail).toMatch(/tiny\.safetensors/);
    expect(banner.detail).toMatch(/class_embed/);
    expect(await page.$eval('#config-select', (s) => (s as HTMLSelectElement).value)).toBe(
      'configs/picked/three.yaml',
    );
    await page.close();
  });
});

describe('errors shown in the page', () => {
  it('says which point is wrong in a malformed annotation file, and that broken JSON is not JSON', async () => {
    const { page } = await openPage(app);
    expect(await waitForState(page, 'video', ['ready', 'failed'])).toBe('ready');
    const outside = {
      videos: [sampleVideo],
      categories: [{ id: 1, name: 'thing' }],
      annotations: [
        { id: 7, video_id: 1, category_id: 1, points: [[[70.5, 3, 1]], null, null, null, null, null] },
      ],
    };
    await page.setInputFiles('#import-annotations', {
      name: 'outside.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(outside)),
    });
    await page.waitForSelector('#error:not([hidden])');
    const banner = await errorBanner(page);
    expect(banner.kind).toBe('file-format');
    expect(banner.title).toBe('Wrong file format while importing point annotations');
    expect(banner.detail).toContain('outside.json');
    expect(banner.detail).toContain('annotations[0].points[0][0][0]');
    expect(banner.detail).toContain('video 1, object 7, frame 0: x = 70.5 is outside the frame [0, 64)');
    await screenshot(page, 'error-malformed-annotations.png');
    expect(await page.getAttribute('body', 'data-objects')).toBe('0');

    await page.click('#error-close');
    expect(await errorBanner(page)).toEqual({ title: '', detail: '', kind: '' });
    await page.setInputFiles('#import-annotations', {
      name: 'broken.json',
      mimeType: 'application/json',
      buffer: Buffer.from('{"videos": ['),
    });
    await page.waitForSelector('#error:not([hidden])');
    const broken = await errorBanner(page);
    expect(broken.kind).toBe('file-format');
    expect(broken.detail).toMatch(/^broken\.json: not valid JSON/);
    await page.close();
  });

  it('refuses a weights file that is not safetensors, and keeps the model it had', async () => {
    const { page } = await openPage(app);
    expect(await waitForState(page, 'model', ['ready', 'failed'])).toBe('ready');
    await page.setInputFiles('#model-files', {
      name: 'notes.safetensors',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from('these are notes, not tensors'),
    });
    await page.waitForSelector('#error:not([hidden])');
    const banner = await errorBanner(page);
    expect(banner.kind).toBe('file-format');
    expect(banner.title).toBe('Wrong file format while loading the model');
    expect(banner.detail).toContain('notes.safetensors');
    expect(await page.getAttribute('body', 'data-model')).toBe('ready');
    await screenshot(page, 'error-not-safetensors.png');
    await page.close();
  });

  it('says so when the browser has no WebGPU', async () => {
    const page = await app.browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.addInitScript(() => {
      Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true });
    });
    await page.goto(app.url);
    expect(await waitForState(page, 'engine', ['ready', 'failed'])).toBe('failed');
    const banner = await errorBanner(page);
    expect(banner.kind).toBe('no-webgpu');
    expect(banner.title).toBe('WebGPU is not available in this browser');
    expect(banner.detail).toContain('navigator.gpu is missing');
    // The frames still load: only the GPU work is off.
    expect(await waitForState(page, 'video', ['ready', 'failed'])).toBe('ready');
    await screenshot(page, 'error-no-webgpu.png');
    await page.close();
  });
});

describe('error wording and guards (no browser)', () => {
  it('names out-of-memory, a lost device and bad files for what they are', () => {
    expect(describeError(new GpuOutOfMemoryError('allocating a 4096-byte buffer'), 'running MinVIS')).toEqual(
      {
        kind: 'gpu-memory',
        title: 'Out of GPU memory while running MinVIS: try fewer or smaller frames, or a smaller model',
        detail: 'allocating a 4096-byte buffer',
      },
    );
    expect(describeError(new DeviceLostError('WebGPU device lost (unknown)'), 'x').kind).toBe('device-lost');
    expect(describeError(new NoAdapterError('none'), 'x').kind).toBe('no-webgpu');
    expect(describeError(new PointvisDataError('bad', { file: 'f.json' }), 'x').kind).toBe('file-format');
    expect(describeError(new Error('Out of memory in createBuffer'), 'x').kind).toBe('gpu-memory');
    expect(describeError(new Error('something else'), 'x').kind).toBe('other');
  });

  it('serves only files inside the build folder', () => {
    const root = app.build.outDir;
    expect(resolveStaticPath(root, '/')).toBe(join(root, 'index.html'));
    expect(resolveStaticPath(root, '/sample/sample.json?x=1')).toBe(join(root, 'sample', 'sample.json'));
    expect(resolveStaticPath(root, '/../../etc/passwd')).toBeNull();
    expect(resolveStaticPath(root, '/%2e%2e/%2e%2e/etc/passwd')).toBeNull();
    expect(resolveStaticPath(root, '/missing.js')).toBeNull();
  });

  it('fails the bundle, naming the importer, when browser code reaches a Node built-in', async () => {
    const dir = join(app.scratch, 'bad-entry');
    mkdirSync(dir, { recursive: true });
    const entry = join(dir, 'entry.ts');
    // json-path.ts reads files with node:fs; the browser must use json-check.ts.
    writeFileSync(
      entry,
      `import { readJsonFile } from '${REPO_ROOT}pointvis/formats/json-path';\nconsole.log(readJsonFile);\n`,
    );
    await expect(bundleApp(join(dir, 'out'), entry)).rejects.toThrow(BundleError);
    await expect(bundleApp(join(dir, 'out'), entry)).rejects.toThrow(
      /node:fs is imported by pointvis\/formats\/json-path\.ts/,
    );
  });
});
