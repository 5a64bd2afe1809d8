#!/usr/bin/env node
// Entry for `npx pointvis` / `npm link`: load TypeScript through tsx, then the CLI.
import { register } from 'tsx/esm/api';
register();
await import('./main.ts');
