// The demo's static server for the browser tests: the default mounts plus the test fixtures,
// every response under a strict Content-Security-Policy (no 'unsafe-eval', no inline scripts)
// so each test also shows the library works under one.
//
// Cross-origin isolation is switched per page: an HTML page is isolated (COOP same-origin +
// COEP require-corp) only when its URL has `?coi=1`; every other response (scripts, workers,
// wasm) always carries the isolation headers, which a plain page ignores and an isolated page's
// workers need (a dedicated worker of an isolated page must itself be served with COEP). The
// CSP of isolated pages and of scripts also allows `blob:` workers: the thread pool starts its
// workers from a Blob URL (ts/backends/wasm/pool.ts); `?coi=1&csp=strict` keeps the strict
// CSP on an isolated page, to see what a page that forbids blob: workers gets.
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MOUNTS, ISOLATION_HEADERS, startServer } from '../../examples/browser/serve.mjs';

export const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; img-src 'self' data:";
/** {@link CSP} plus the pool's Blob-URL workers. */
export const CSP_WITH_POOL = `${CSP}; worker-src 'self' blob:`;

function headersFor(url: URL, file: string): Record<string, string> {
  const page = extname(file) === '.html';
  if (page && url.searchParams.get('coi') !== '1') return { 'Content-Security-Policy': CSP };
  const strict = page && url.searchParams.get('csp') === 'strict';
  return { 'Content-Security-Policy': strict ? CSP : CSP_WITH_POOL, ...ISOLATION_HEADERS };
}

export function startTestServer(extraMounts: Record<string, string> = {}) {
  return startServer({
    mounts: {
      ...DEFAULT_MOUNTS,
      '/fixtures/': fileURLToPath(new URL('./fixtures/', import.meta.url)),
      ...extraMounts,
    },
    headers: headersFor,
  });
}
