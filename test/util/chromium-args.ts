/**
 * How the tests start Debian's Chromium: headless, WebGPU on SwiftShader (a CPU Vulkan driver),
 * nothing phoning home. Shared by vitest's browser project and the browser-app tests.
 */
export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
