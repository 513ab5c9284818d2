/**
 * Finds, compiles and instantiates the WebAssembly core, once per source.
 *
 * - Default source (`default-source.ts`): `new URL('./wasm_mlp.wasm', import.meta.url)`, i.e.
 *   the file next to the bundle (`dist/wasm_mlp.wasm` for `dist/index.js`), or
 *   `wasm_mlp_relaxed.wasm` where relaxed SIMD validates; in the single-file build
 *   (`dist/index.inline.js`) the embedded bytes of the plain build instead.
 * - Node: `file:` URLs and plain paths are read with `fs` (relative paths resolve against the
 *   current directory); `http(s):` URLs are fetched.
 * - Browsers: URLs (and strings, resolved against the document) are fetched and compiled with
 *   `WebAssembly.compileStreaming`, falling back to `arrayBuffer()` when the server does not
 *   send `Content-Type: application/wasm`.
 * - Bytes, a compiled `WebAssembly.Module` or a `Response` can be passed directly.
 *
 * The promise is cached per source (the URL's `href` for strings/URLs, the object otherwise),
 * so every network created from the same source shares one instance and one memory. A failed
 * load is not cached.
 * @module
 */
import { WasmMlpError } from '../../errors.js';
import { nodeBuiltin } from '../../node-builtin.js';
import type { WasmSource } from '../../types.js';
import { defaultWasmSources } from './default-source.js';
import { WasmCore } from './core.js';

const byHref = new Map<string, Promise<WasmCore>>();
const byObject = new WeakMap<object, Promise<WasmCore>>();

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/** Resolves a string source to a URL: absolute URLs as is, otherwise a path (Node) or a relative URL. */
async function resolveString(source: string): Promise<URL> {
  if (/^[a-z][a-z0-9+.-]*:/i.test(source) && !/^[a-z]:[\\/]/i.test(source)) return new URL(source);
  if (isNode()) {
    const { pathToFileURL } = await nodeBuiltin<typeof import('node:url')>('node:url');
    return pathToFileURL(source);
  }
  const base = typeof document !== 'undefined' ? document.baseURI : globalThis.location?.href;
  return new URL(source, base);
}

/** Function imports are stubbed (the core is not expected to need any); they throw if called. */
function importsFor(module: WebAssembly.Module): WebAssembly.Imports {
  const imports: Record<string, Record<string, WebAssembly.ImportValue>> = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.kind !== 'function') continue;
    (imports[imp.module] ??= {})[imp.name] = () => {
      throw new WasmMlpError(`the core called the unprovided import ${imp.module}.${imp.name}`);
    };
  }
  return imports;
}

async function compileResponse(response: Response): Promise<WebAssembly.Module> {
  if (!response.ok) {
    throw new WasmMlpError(
      `fetching ${response.url}: HTTP ${response.status} ${response.statusText}`,
    );
  }
  if (typeof WebAssembly.compileStreaming === 'function') {
    const copy = response.clone();
    try {
      return await WebAssembly.compileStreaming(response);
    } catch {
      return WebAssembly.compile(await copy.arrayBuffer());
    }
  }
  return WebAssembly.compile(await response.arrayBuffer());
}

async function compileUrl(url: URL): Promise<WebAssembly.Module> {
  if (url.protocol === 'file:' && isNode()) {
    const { readFile } = await nodeBuiltin<typeof import('node:fs/promises')>('node:fs/promises');
    return WebAssembly.compile(await readFile(url));
  }
  return compileResponse(await fetch(url));
}

async function instantiate(
  compile: () => Promise<WebAssembly.Module>,
  label: string,
): Promise<WasmCore> {
  let module: WebAssembly.Module;
  try {
    module = await compile();
  } catch (error) {
    if (error instanceof WasmMlpError) throw error;
    throw new WasmMlpError(
      `could not load the WebAssembly core from ${label}: ${(error as Error).message}. ` +
        "Build it with 'npm run build', or pass the module with Network.create({ wasm: ... })",
    );
  }
  const instance = await WebAssembly.instantiate(module, importsFor(module));
  return new WasmCore(module, instance);
}

function cached<K>(
  cache: {
    get(k: K): Promise<WasmCore> | undefined;
    set(k: K, v: Promise<WasmCore>): unknown;
    delete(k: K): unknown;
  },
  key: K,
  make: () => Promise<WasmCore>,
): Promise<WasmCore> {
  let promise = cache.get(key);
  if (!promise) {
    promise = make();
    cache.set(key, promise);
    promise.catch(() => cache.delete(key));
  }
  return promise;
}

/**
 * Loads the core from `source`, sharing one instance per source; without a source, from the
 * first of {@link defaultWasmSources} that loads (relaxed build, else plain). Rejects with
 * {@link WasmMlpError} if the module cannot be read or lacks the ABI.
 */
export async function loadWasm(source?: WasmSource): Promise<WasmCore> {
  if (source !== undefined) return loadSource(source);
  const candidates = defaultWasmSources();
  for (const [i, candidate] of candidates.entries()) {
    try {
      return await loadSource(candidate);
    } catch (error) {
      // The last candidate is the plain build every install has: its error is the one to report.
      if (i === candidates.length - 1) throw error;
    }
  }
  throw new WasmMlpError('no default WebAssembly source');
}

function loadSource(source: WasmSource): Promise<WasmCore> {
  if (typeof source === 'string' || source instanceof URL) {
    const urlPromise = typeof source === 'string' ? resolveString(source) : Promise.resolve(source);
    return urlPromise.then((url) =>
      cached(byHref, url.href, () => instantiate(() => compileUrl(url), url.href)),
    );
  }
  if (source instanceof WebAssembly.Module) {
    return cached(byObject, source, () => instantiate(async () => source, 'a WebAssembly.Module'));
  }
  if (typeof Response !== 'undefined' && source instanceof Response) {
    return cached(byObject, source, () =>
      instantiate(() => compileResponse(source), source.url || 'a Response'),
    );
  }
  if (source instanceof ArrayBuffer || source instanceof Uint8Array) {
    return cached(byObject, source, () =>
      instantiate(() => WebAssembly.compile(source as BufferSource), 'the given bytes'),
    );
  }
  return Promise.reject(new WasmMlpError('unsupported wasm source'));
}
