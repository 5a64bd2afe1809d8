/**
 * The browser app under test: built into a fresh folder (the same build `pointvis serve` makes),
 * served on a free localhost port, opened in headless Chromium with WebGPU on SwiftShader. The
 * Node side (the CLI code the page is compared with) runs on Dawn in this process.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type Download, type Page, chromium } from 'playwright-core';
import { type BrowserAppBuild, buildBrowserApp } from '../../runners/browser/build/index.js';
import { serveFolder, serverUrl } from '../../runners/cli/commands/serve.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../util/chromium-args.js';
import { useEngine } from '../util/engine.js';

/** Screenshots and downloads the tests keep (git-ignored). */
export const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'browser-app');

export interface AppUnderTest {
  build: BrowserAppBuild;
  url: string;
  browser: Browser;
  /** A scratch folder, removed by close(). */
  scratch: string;
  close(): Promise<void>;
}

export async function startAppUnderTest(name: string): Promise<AppUnderTest> {
  await useEngine();
  mkdirSync(ARTIFACTS, { recursive: true });
  const scratch = mkdtempSync(join(tmpdir(), `pointvis-${name}-`));
  const build = await buildBrowserApp(join(scratch, 'dist'));
  const server: Server = await serveFolder(build.outDir, 0, '127.0.0.1');
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  return {
    build,
    url: serverUrl(server, '127.0.0.1'),
    browser,
    scratch,
    async close() {
      await browser.close();
      await new Promise((done) => server.close(done));
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/** A page of the app; console errors and uncaught exceptions are collected (not failures by themselves). */
export async function openPage(app: AppUnderTest, query = ''): Promise<{ page: Page; problems: string[] }> {
  const page = await app.browser.newPage({ viewport: { width: 1400, height: 900 } });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().includes('favicon')) problems.push(`console: ${m.text()}`);
  });
  await page.goto(`${app.url}${query}`);
  return { page, problems };
}

/** Waits until `<body data-KEY>` is one of `values` (the app's state attributes). */
export async function waitForState(
  page: Page,
  key: string,
  values: string[],
  timeout = 60_000,
): Promise<string> {
  const attribute = `data-${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  const selector = values.map((v) => `body[${attribute}="${v}"]`).join(', ');
  await page.waitForSelector(selector, { timeout, state: 'attached' });
  return (await page.getAttribute('body', attribute)) ?? '';
}

/** The banner's title and detail ('' when hidden). */
export async function errorBanner(page: Page): Promise<{ title: string; detail: string; kind: string }> {
  const hidden = await page.$eval('#error', (e) => (e as HTMLElement).hidden);
  if (hidden) return { title: '', detail: '', kind: '' };
  return {
    title: (await page.textContent('#error-title')) ?? '',
    detail: (await page.textContent('#error-detail')) ?? '',
    kind: (await page.getAttribute('#error', 'data-kind')) ?? '',
  };
}

/** Clicks a button that downloads a file and returns the file's text (kept under ARTIFACTS). */
export async function downloadText(page: Page, selector: string, keepAs: string): Promise<string> {
  const [download]: [Download, void] = await Promise.all([
    page.waitForEvent('download'),
    page.click(selector),
  ]);
  const path = join(ARTIFACTS, keepAs);
  await download.saveAs(path);
  return readFileSync(path, 'utf8');
}

export async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(ARTIFACTS, name);
  await page.screenshot({ path, fullPage: true });
  return path;
}
