import type { Command } from 'commander';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { DEFAULT_DIST, buildBrowserApp } from '../../browser/build/index.js';

export interface ServeCliOptions {
  port?: string;
  host?: string;
  out?: string;
  build?: boolean;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.safetensors': 'application/octet-stream',
};

/** The file under `root` a URL path names (index.html for folders), or null outside it / missing. */
export function resolveStaticPath(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath.split('?')[0]!.split('#')[0]!);
  } catch {
    return null;
  }
  const base = resolve(root);
  const path = resolve(base, `.${normalize(`/${decoded}`)}`);
  if (path !== base && !path.startsWith(base + sep)) return null;
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, 'index.html') : path;
  return existsSync(file) && statSync(file).isFile() ? file : null;
}

/** A static file server for the built app on host:port (GET and HEAD only). */
export function serveFolder(root: string, port: number, host: string): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const file = resolveStaticPath(root, request.url ?? '/');
    if (file === null) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    response.writeHead(200, {
      'content-type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'content-length': statSync(file).size,
      'cache-control': 'no-cache',
    });
    if (request.method === 'HEAD') response.end();
    else createReadStream(file).pipe(response);
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolvePromise(server);
    });
  });
}

/** `http://localhost:PORT/` for a loopback host, else the host itself. */
export function serverUrl(server: Server, host: string): string {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const name = host === '127.0.0.1' || host === '::1' || host === 'localhost' ? 'localhost' : host;
  return `http://${name.includes(':') ? `[${name}]` : name}:${port}/`;
}

/** `pointvis serve`: build the browser app and serve it on localhost. */
export function register(program: Command): void {
  program
    .command('serve')
    .description(
      'Build the browser app (esbuild bundle of the same engine/model/pointvis code, the sample video and ' +
        'model) and serve it on localhost: MinVIS inference on WebGPU, point annotation, live pseudo masks',
    )
    .option('--port <n>', 'port to listen on (0: any free port)', '5173')
    .option('--host <addr>', 'address to listen on (WebGPU needs localhost or https)', '127.0.0.1')
    .option('--out <dir>', 'build folder', DEFAULT_DIST)
    .option('--no-build', 'serve the build folder as it is')
    .action(async (options: ServeCliOptions) => {
      await serveCommand(options);
    });
}

export async function serveCommand(options: ServeCliOptions): Promise<void> {
  const port = Number(options.port ?? '5173');
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port: "${options.port}" is not a port`);
  const host = options.host ?? '127.0.0.1';
  const outDir = resolve(options.out ?? DEFAULT_DIST);
  if (options.build !== false) {
    process.stderr.write('serve: building the browser app…\n');
    const built = await buildBrowserApp(outDir);
    process.stderr.write(
      `serve: built ${outDir} in ${built.seconds.toFixed(1)} s (app.js ${(built.bundle.bytes / 1024).toFixed(0)} KiB; ` +
        `sample model: ${built.sample.modelSource})\n`,
    );
  } else if (!existsSync(join(outDir, 'index.html'))) {
    throw new Error(`serve: ${outDir} holds no build (run without --no-build)`);
  }
  const server = await serveFolder(outDir, port, host);
  process.stdout.write(`serve: open ${serverUrl(server, host)} in Chrome or Edge (WebGPU); Ctrl-C stops\n`);
  await new Promise<void>((done) => {
    const stop = () => server.close(() => done());
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
