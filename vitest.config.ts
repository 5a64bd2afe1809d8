import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';

// Engine tests run twice: in Node on Dawn and in headless Debian Chromium (WebGPU on SwiftShader).
// Everything else (data layer, CLI, pipeline) runs in Node only.
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
                executablePath: '/usr/bin/chromium',
                args: [
                  '--no-sandbox',
                  '--enable-unsafe-webgpu',
                  '--enable-features=Vulkan',
                  '--use-vulkan=swiftshader',
                  '--disable-quic',
                  '--no-first-run',
                  '--disable-background-networking',
                  '--disable-component-update',
                  '--disable-sync',
                ],
              },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
