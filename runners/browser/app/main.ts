/** The browser app's entry point (bundled by runners/browser/build.ts into app.js). */
import { App } from './app';

void new App().start();
