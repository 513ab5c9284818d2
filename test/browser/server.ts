// The demo's static server for the browser tests: the default mounts plus the test fixtures,
// every response under a strict Content-Security-Policy (no 'unsafe-eval', no inline scripts)
// so each test also shows the library works under one.
import { fileURLToPath } from 'node:url';
import { DEFAULT_MOUNTS, startServer } from '../../examples/browser/serve.mjs';

export const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; img-src 'self' data:";

export function startTestServer(extraMounts: Record<string, string> = {}) {
  return startServer({
    mounts: {
      ...DEFAULT_MOUNTS,
      '/fixtures/': fileURLToPath(new URL('./fixtures/', import.meta.url)),
      ...extraMounts,
    },
    headers: { 'Content-Security-Policy': CSP },
  });
}
