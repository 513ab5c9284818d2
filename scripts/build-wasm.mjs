#!/usr/bin/env node
// Builds crates/mlp-core to wasm32-unknown-unknown with SIMD128 and copies the module to
// dist/wasm_mlp.wasm, then a second time with relaxed SIMD (f32x4.relaxed_madd, a real FMA)
// to dist/wasm_mlp_relaxed.wasm, which the loader picks when the engine validates relaxed SIMD.
// Both are built once more with the cargo feature `test-exports` (the kernels alone, fault
// injection, the config decoder: crates/mlp-core/src/ffi/kernels.rs and test_hooks.rs) into
// target/test-wasm/wasm_mlp_test.wasm and wasm_mlp_relaxed_test.wasm, for the tests and the
// GEMM benchmarks; never into dist/.
//
// Two toolchains can do this, and we pick whichever is present:
//   1. rustup with the wasm32-unknown-unknown target installed (a normal developer machine):
//        rustup target add wasm32-unknown-unknown
//   2. Debian's rustc-web + rust-web-src + lld-19 (machines where rustup's download server is
//      unreachable): the standard library is compiled from source with -Zbuild-std, its
//      dependencies taken from the vendor folder shipped inside rust-web-src.
// With --install, and running as root on Debian/Ubuntu, option 2 is installed with apt-get
// when neither is present. Otherwise we stop and print exactly what to install.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { aptInstall } from './apt.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const WASM_TARGET = 'wasm32-unknown-unknown';
const CRATE = 'mlp-core';
const ARTIFACT = 'wasm_mlp.wasm';
const DEBIAN_PACKAGES = ['rustc-web', 'cargo-web', 'rust-web-src', 'lld-19'];
const SIMD_FLAGS = '-C target-feature=+simd128';
const RELAXED_FLAGS = `${SIMD_FLAGS},+relaxed-simd`;
/**
 * The shared-memory build (../shared/THREADS.md): atomics (std rebuilt with them), the memory
 * imported and shared so pool workers can instantiate the module on it, and the shadow stack
 * pointer and TLS symbols exported so each worker can set up its own. The maximum is the
 * whole 32-bit address space, as the plain build's growable memory has; the loader may
 * provide a smaller maximum where the engine cannot reserve 4 GiB.
 */
const THREAD_FLAGS =
  ',+atomics,+bulk-memory,+mutable-globals' +
  ' -C link-arg=--shared-memory -C link-arg=--import-memory -C link-arg=--export-memory' +
  ' -C link-arg=--initial-memory=2097152 -C link-arg=--max-memory=4294967296' +
  ' -C link-arg=--export=__stack_pointer' +
  ' -C link-arg=--export-if-defined=__wasm_init_tls' +
  ' -C link-arg=--export-if-defined=__tls_size -C link-arg=--export-if-defined=__tls_align';
/**
 * The builds: the default SIMD128 one, the optional relaxed-SIMD one (own target dir, since
 * its std is built with other flags), and each again with the test exports (same flags and
 * target dir as its published twin, so only the crate itself is compiled again).
 */
const FLAVORS = [
  { artifact: ARTIFACT, flags: SIMD_FLAGS, dir: '', out: 'dist' },
  { artifact: 'wasm_mlp_relaxed.wasm', flags: RELAXED_FLAGS, dir: 'relaxed', out: 'dist' },
  {
    artifact: 'wasm_mlp_threads.wasm',
    flags: SIMD_FLAGS + THREAD_FLAGS,
    dir: 'threads',
    out: 'dist',
  },
  {
    artifact: 'wasm_mlp_threads_relaxed.wasm',
    flags: RELAXED_FLAGS + THREAD_FLAGS,
    dir: 'threads-relaxed',
    out: 'dist',
  },
  {
    artifact: 'wasm_mlp_test.wasm',
    flags: SIMD_FLAGS,
    dir: '',
    features: 'test-exports',
    out: 'target/test-wasm',
  },
  {
    artifact: 'wasm_mlp_relaxed_test.wasm',
    flags: RELAXED_FLAGS,
    dir: 'relaxed',
    features: 'test-exports',
    out: 'target/test-wasm',
  },
];

/** `--features …` for a flavor that has some. */
const featureArgs = ({ features }) => (features ? ['--features', features] : []);

function run(cmd, args, env = {}) {
  const result = spawnSync(cmd, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  if (result.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed with exit code ${result.status}`);
  }
}

function capture(cmd, args) {
  try {
    return execFileSync(cmd, args, {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

/** rustup with the wasm32 target installed: the plain path. */
function rustupToolchain() {
  const installed = capture('rustup', ['target', 'list', '--installed']);
  if (!installed || !installed.split('\n').includes(WASM_TARGET)) return null;
  return {
    name: `rustup (${capture('rustc', ['--version'])})`,
    build(flavor) {
      const { flags, dir } = flavor;
      const targetDir = join(root, 'target', dir);
      run(
        'cargo',
        [
          'build',
          '--release',
          '--target',
          WASM_TARGET,
          '-p',
          CRATE,
          ...featureArgs(flavor),
          // std must be rebuilt with atomics for the shared-memory build: needs the rust-src
          // component (rustup component add rust-src).
          ...(flags.includes('+atomics') ? ['-Zbuild-std=std,panic_abort'] : []),
          '--target-dir',
          targetDir,
        ],
        { RUSTFLAGS: flags, ...(flags.includes('+atomics') ? { RUSTC_BOOTSTRAP: '1' } : {}) },
      );
      return join(targetDir, WASM_TARGET, 'release', ARTIFACT);
    },
  };
}

/** Debian's rustc-web: builds std for wasm32 from rust-web-src with -Zbuild-std. */
function debianToolchain() {
  const rustc = '/usr/bin/rustc';
  const cargo = '/usr/bin/cargo';
  if (!existsSync(rustc) || !existsSync(cargo)) return null;
  const sysroot = capture(rustc, ['--print', 'sysroot']);
  if (!sysroot) return null;
  const vendor = join(sysroot, 'lib/rustlib/src/rust/library/vendor');
  const linker = ['wasm-ld-19', 'wasm-ld'].find((name) => capture('which', [name]));
  if (!existsSync(vendor) || !linker) return null;
  return {
    name: `Debian ${capture(rustc, ['--version'])} with -Zbuild-std, linker ${linker}`,
    build(flavor) {
      const { flags, dir } = flavor;
      const targetDir = join(root, 'target', dir ? `wasm-debian-${dir}` : 'wasm-debian');
      mkdirSync(targetDir, { recursive: true });
      // Only this build reads the vendored std dependencies; native builds are unaffected.
      const config = join(targetDir, 'vendor-std.toml');
      writeFileSync(
        config,
        `[source.crates-io]\nreplace-with = "rust-std-vendor"\n` +
          `[source.rust-std-vendor]\ndirectory = "${vendor}"\n`,
      );
      run(
        cargo,
        [
          'build',
          '--release',
          '--offline',
          '--target',
          WASM_TARGET,
          '-p',
          CRATE,
          ...featureArgs(flavor),
          '-Zbuild-std=std,panic_abort',
          '--config',
          config,
          '--target-dir',
          targetDir,
        ],
        {
          PATH: `/usr/bin:${process.env.PATH}`,
          RUSTC_BOOTSTRAP: '1',
          RUSTFLAGS: `${flags} -C linker=${linker}`,
        },
      );
      return join(targetDir, WASM_TARGET, 'release', ARTIFACT);
    },
  };
}

const HOW_TO_INSTALL = `No Rust toolchain that can build ${WASM_TARGET} was found. Install one of:
  - rustup (https://rustup.rs), then:  rustup target add ${WASM_TARGET}
  - on Debian 12 / Ubuntu, as root:      apt-get install ${DEBIAN_PACKAGES.join(' ')}
then run this again (npm run build).`;

export function findToolchain({ install = false } = {}) {
  let toolchain = rustupToolchain() ?? debianToolchain();
  if (!toolchain && install && aptInstall(DEBIAN_PACKAGES, 'build-wasm')) {
    toolchain = debianToolchain();
  }
  return toolchain;
}

export function buildWasm({ install = false } = {}) {
  const toolchain = findToolchain({ install });
  if (!toolchain) {
    console.error(HOW_TO_INSTALL);
    process.exit(1);
  }
  console.log(`[build-wasm] ${toolchain.name}`);
  const outs = FLAVORS.map((flavor) => {
    const out = join(root, flavor.out, flavor.artifact);
    mkdirSync(dirname(out), { recursive: true });
    copyFileSync(toolchain.build(flavor), out);
    console.log(`[build-wasm] wrote ${flavor.out}/${flavor.artifact}`);
    return out;
  });
  return outs[0];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  buildWasm({ install: process.argv.includes('--install') });
}
