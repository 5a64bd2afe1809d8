import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './test/util/chromium-args';

// Engine tests run twice: in Node on Dawn and in headless Debian Chromium (WebGPU on SwiftShader).
// Everything else (data layer, CLI, pipeline) runs in Node only. The browser app's tests run in
// Node and drive Chromium themselves (playwright-core), comparing the page with the Node code.
const browserEngineTests = ['test/engine/**/*.test.ts'];

export default defineConfig({
  test: {
    globals: true,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/browser-app/**'],
          // forks: the Vulkan loader reads VK_ICD_FILENAMES from the process environment.
          pool: 'forks',
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: browserEngineTests,
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({
              launchOptions: {
                executablePath: CHROMIUM_PATH,
                args: CHROMIUM_ARGS,
              },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
      {
        extends: true,
        test: {
          name: 'browser-app',
          include: ['test/browser-app/**/*.test.ts'],
          // forks: the Node side of the comparisons runs on Dawn (VK_ICD_FILENAMES, as above).
          pool: 'forks',
        },
      },
    ],
  },
});
