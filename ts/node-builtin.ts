/**
 * Loads a Node built-in module (only called on Node) without a static `import('node:…')`
 * that browser bundlers would try to resolve and fail on (esbuild: "Could not resolve
 * node:fs/promises"). Uses `process.getBuiltinModule` (Node ≥ 20.16) and, on older Node 20,
 * a dynamic import of a computed specifier that bundlers leave alone.
 * @module
 */
export async function nodeBuiltin<T>(name: `node:${string}`): Promise<T> {
  const process = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } })
    .process;
  if (typeof process?.getBuiltinModule === 'function') return process.getBuiltinModule(name) as T;
  const specifier: string = name;
  return (await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier)) as T;
}
