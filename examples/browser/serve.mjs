#!/usr/bin/env node
// npm run demo:browser: a tiny static server (node:http, no framework) for the demo page.
// Serves the repository's dist/ and examples/browser/ (plus any extra mounts the browser tests
// add) on 127.0.0.1, with the right Content-Type for .wasm (so compileStreaming is used) and
// no caching. `/` redirects to the demo page.
// Every response carries Cross-Origin-Opener-Policy: same-origin and
// Cross-Origin-Embedder-Policy: require-corp, so the page is cross-origin isolated: it gets
// SharedArrayBuffer and the library trains on several threads (dist/wasm_mlp_threads*.wasm).
// --no-isolation leaves the headers out, to see the one-thread fallback and its reason.
//   node examples/browser/serve.mjs [--port 8080] [--no-isolation]
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureMnistSubset } from './mnist-subset.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.png': 'image/png',
};

/** URL prefix → directory. Only these are served. @type {Record<string, string>} */
export const DEFAULT_MOUNTS = {
  '/dist/': join(root, 'dist'),
  '/examples/browser/': join(root, 'examples', 'browser'),
};

/**
 * The headers that make a page cross-origin isolated (`crossOriginIsolated === true`), which is
 * what browsers require before they share memory between threads. Same-origin subresources
 * need nothing more; cross-origin ones would need `Cross-Origin-Resource-Policy` or CORS.
 */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * Starts the server; resolves with `{ url, close }` once listening. `port` 0 picks a free one.
 * `headers` are added to every response (the tests use it for a Content-Security-Policy); a
 * function gets the request's URL and the file served and returns the headers for that
 * response (the tests isolate only the pages they ask to).
 * @param {{
 *   port?: number,
 *   mounts?: Record<string, string>,
 *   headers?: Record<string, string> | ((url: URL, file: string) => Record<string, string>),
 * }} [options]
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
export function startServer({ port = 0, mounts = DEFAULT_MOUNTS, headers = {} } = {}) {
  const server = createServer(async (request, response) => {
    const url = new URL(request.url, 'http://localhost');
    const path = decodeURIComponent(url.pathname);
    if (path === '/') {
      response.writeHead(302, { Location: '/examples/browser/' }).end();
      return;
    }
    const prefix = Object.keys(mounts).find((p) => path.startsWith(p));
    const base = prefix && resolve(mounts[prefix]);
    let file = base && normalize(join(base, path.slice(prefix.length)));
    if (!file || (file !== base && !file.startsWith(base + sep))) {
      response.writeHead(404).end('not found');
      return;
    }
    try {
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      await stat(file);
    } catch {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Cache-Control': 'no-store',
      ...(typeof headers === 'function' ? headers(url, file) : headers),
    });
    createReadStream(file).pipe(response);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const url = `http://127.0.0.1:${server.address().port}`;
      resolve({ url, close: () => new Promise((done) => server.close(done)) });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8080' },
      'no-isolation': { type: 'boolean', default: false },
    },
  });
  ensureMnistSubset();
  const isolated = !values['no-isolation'];
  const { url } = await startServer({
    port: Number(values.port),
    headers: isolated ? ISOLATION_HEADERS : {},
  });
  console.log(`wasm-mlp demo: ${url}/examples/browser/  (Ctrl+C to stop)`);
  console.log(
    isolated
      ? 'cross-origin isolated (COOP same-origin + COEP require-corp): the page trains on several threads'
      : 'not cross-origin isolated (--no-isolation): the page trains on one thread and says why',
  );
}
