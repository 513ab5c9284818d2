/**
 * Finds, compiles and instantiates the WebAssembly core, once per source.
 *
 * - Default source (`default-source.ts`): `new URL('./wasm_mlp.wasm', import.meta.url)`, i.e.
 *   the file next to the bundle (`dist/wasm_mlp.wasm` for `dist/index.js`), or
 *   `wasm_mlp_relaxed.wasm` where relaxed SIMD validates; in the single-file build
 *   (`dist/index.inline.js`) the embedded bytes of the plain build instead.
 * - Node: `file:` URLs and plain paths are read with `fs`; a relative path resolves against the
 *   current directory (`process.cwd()`), as `fs` resolves it: the loader cannot know the
 *   caller's module, so a file next to it is `new URL('./file.wasm', import.meta.url)`;
 *   `http(s):` URLs are fetched.
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
import { threadsUnavailableReason } from './threads.js';

const byHref = new Map<string, Promise<WasmCore>>();
const byObject = new WeakMap<object, Promise<WasmCore>>();

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/** A string source resolved to a URL, and the base a relative one was resolved against. */
interface Resolved {
  url: URL;
  /** The current directory (Node) or the document's base URL, when the string was relative. */
  base?: string;
}

/** Resolves a string source to a URL: absolute URLs as is, otherwise a path (Node) or a relative URL. */
async function resolveString(source: string): Promise<Resolved> {
  if (/^[a-z][a-z0-9+.-]*:/i.test(source) && !/^[a-z]:[\\/]/i.test(source)) {
    return { url: new URL(source) };
  }
  if (isNode()) {
    const { pathToFileURL } = await nodeBuiltin<typeof import('node:url')>('node:url');
    const { isAbsolute } = await nodeBuiltin<typeof import('node:path')>('node:path');
    const url = pathToFileURL(source);
    return isAbsolute(source) ? { url } : { url, base: process.cwd() };
  }
  const base = typeof document !== 'undefined' ? document.baseURI : globalThis.location?.href;
  return base === undefined ? { url: new URL(source) } : { url: new URL(source, base), base };
}

/** What to do about a core that did not load, for the one who chose the source. */
function hintFor(url: URL | undefined, base: string | undefined): string {
  if (url === undefined) return 'pass a valid wasm-mlp core with Network.create({ wasm: ... })';
  if (base !== undefined) {
    // Worded without the `new URL('…', import…)` pattern: bundlers scan the bundle's text for
    // it (to emit assets), and the single-file build must not contain it (test/api/inline).
    return (
      `the relative path was resolved against ${isNode() ? 'the current directory' : 'the page'} ` +
      `(${base}); pass an absolute path or a URL; for a file next to your own module, resolve ` +
      "the path against that module's URL (see the README, 'Loading the WebAssembly core')"
    );
  }
  return 'check the wasm option of Network.create: it names a file or URL that did not load';
}

/** The hint for the default source: the file that ships next to the bundle is missing or broken. */
function defaultHint(url: URL): string {
  const file = url.pathname.split('/').pop() || 'wasm_mlp.wasm';
  return (
    `wasm-mlp expects ${file} next to its JavaScript bundle (dist/index.js in the package); ` +
    'the installed package may be incomplete: reinstall wasm-mlp. If a bundler or a copy step ' +
    `moved the JavaScript without ${file}, copy ${file} next to it, pass ` +
    "Network.create({ wasm: <path, URL or bytes> }), or import 'wasm-mlp/inline' (the core " +
    'embedded). (In a clone of the wasm-mlp repository: npm run build.)'
  );
}

/**
 * Pages (64 KiB) the shared-memory build declares as its initial memory
 * (`--initial-memory=2097152` in scripts/build-wasm.mjs); larger values are tried for modules
 * built with other settings.
 */
const SHARED_INITIAL_PAGES = [32, 512, 8192];
/** Maximum pages offered to a shared memory: 4 GiB, else less where the engine refuses it. */
const SHARED_MAXIMUM_PAGES = [65536, 16384, 4096];

/** A shared memory of `initial` pages with the largest maximum the engine grants. */
function sharedMemory(initial: number): WebAssembly.Memory {
  let error: unknown;
  for (const maximum of SHARED_MAXIMUM_PAGES) {
    try {
      return new WebAssembly.Memory({ initial, maximum, shared: true });
    } catch (e) {
      error = e;
    }
  }
  throw new WasmMlpError(
    `this is the shared-memory (threads) build of the core, and this environment cannot create ` +
      `a shared WebAssembly memory (${(error as Error).message}); load wasm_mlp.wasm instead ` +
      'or run on a cross-origin-isolated page',
  );
}

/**
 * Function imports are stubbed (the core is not expected to need any); they throw if called.
 * A memory import (the shared-memory build) gets a new shared memory of `pages` pages.
 */
function importsFor(module: WebAssembly.Module, pages: number): WebAssembly.Imports {
  const imports: Record<string, Record<string, WebAssembly.ImportValue>> = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.kind === 'memory') {
      (imports[imp.module] ??= {})[imp.name] = sharedMemory(pages);
      continue;
    }
    if (imp.kind !== 'function') continue;
    (imports[imp.module] ??= {})[imp.name] = () => {
      throw new WasmMlpError(`the core called the unprovided import ${imp.module}.${imp.name}`);
    };
  }
  return imports;
}

/** Instantiates `module`, giving an imported memory the smallest initial size it accepts. */
async function instantiateModule(module: WebAssembly.Module): Promise<WebAssembly.Instance> {
  const importsMemory = WebAssembly.Module.imports(module).some((i) => i.kind === 'memory');
  const sizes = importsMemory ? SHARED_INITIAL_PAGES : [0];
  for (const [i, pages] of sizes.entries()) {
    try {
      return await WebAssembly.instantiate(module, importsFor(module, pages));
    } catch (error) {
      if (!(error instanceof WebAssembly.LinkError) || i === sizes.length - 1) throw error;
    }
  }
  throw new WasmMlpError('unreachable');
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
  hint: string,
): Promise<WasmCore> {
  let module: WebAssembly.Module;
  try {
    module = await compile();
  } catch (error) {
    const message = (error as Error).message;
    throw new WasmMlpError(
      `could not load the WebAssembly core from ${label}: ${message}. Fix: ${hint}`,
    );
  }
  const instance = await instantiateModule(module);
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
 * first of {@link defaultWasmSources} that loads (relaxed build, else plain), and with
 * `threads`, the shared-memory build where the environment allows it (else the single-thread
 * one, with the reason in `core.singleThreadReason`). Rejects with
 * {@link WasmMlpError} if the module cannot be read or lacks the ABI.
 */
export async function loadWasm(source?: WasmSource, threads = false): Promise<WasmCore> {
  if (source !== undefined) return loadSource(source);
  if (threads) {
    const unavailable = threadsUnavailableReason();
    if (unavailable === undefined) {
      let failure: unknown;
      for (const candidate of defaultWasmSources(true)) {
        try {
          return await loadSource(candidate, true);
        } catch (error) {
          failure ??= error;
        }
      }
      const core = await loadWasm();
      core.singleThreadReason ??=
        failure === undefined
          ? 'this bundle embeds only the single-thread core (wasm-mlp/inline); import wasm-mlp ' +
            'for the shared-memory one'
          : `the shared-memory core did not load (${(failure as Error).message}), so this ` +
            'network runs on the single-thread core';
      return core;
    }
    const core = await loadWasm();
    core.singleThreadReason ??= unavailable;
    return core;
  }
  const candidates = defaultWasmSources();
  for (const [i, candidate] of candidates.entries()) {
    try {
      return await loadSource(candidate, true);
    } catch (error) {
      // The last candidate is the plain build every install has: its error is the one to report.
      if (i === candidates.length - 1) throw error;
    }
  }
  throw new WasmMlpError('no default WebAssembly source');
}

function loadSource(source: WasmSource, isDefault = false): Promise<WasmCore> {
  if (typeof source === 'string' || source instanceof URL) {
    const resolved =
      typeof source === 'string' ? resolveString(source) : Promise.resolve({ url: source });
    return resolved.then(({ url, base }: Resolved) => {
      const hint = isDefault ? defaultHint(url) : hintFor(url, base);
      return cached(byHref, url.href, () => instantiate(() => compileUrl(url), url.href, hint));
    });
  }
  const hint = hintFor(undefined, undefined);
  if (source instanceof WebAssembly.Module) {
    return cached(byObject, source, () =>
      instantiate(async () => source, 'a WebAssembly.Module', hint),
    );
  }
  if (typeof Response !== 'undefined' && source instanceof Response) {
    return cached(byObject, source, () =>
      instantiate(() => compileResponse(source), source.url || 'a Response', hint),
    );
  }
  if (source instanceof ArrayBuffer || source instanceof Uint8Array) {
    return cached(byObject, source, () =>
      instantiate(() => WebAssembly.compile(source as BufferSource), 'the given bytes', hint),
    );
  }
  return Promise.reject(new WasmMlpError('unsupported wasm source'));
}
