// The license texts of the npm packages bundled into dist/ (esbuild metafiles' inputs), for
// dist/THIRD-PARTY-LICENSES.txt. Fails the build for a package whose license is not one of the
// permissive ones below (a copyleft or unknown license must not slip into the bundle), or that
// ships no license file to reproduce.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** SPDX ids whose terms a bundled copy meets by reproducing the notice and license text. */
const ALLOWED = new Set(['MIT', 'ISC', 'BSD-2-Clause', 'BSD-3-Clause', 'Apache-2.0', '0BSD']);

/** The package directory (…/node_modules/name or …/node_modules/@scope/name) of a bundled input. */
function packageDir(root, input) {
  const parts = input.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) return undefined;
  const length = parts[at + 1]?.startsWith('@') ? 3 : 2;
  return join(root, ...parts.slice(0, at + length));
}

/**
 * @param {string} root the repository
 * @param {import('esbuild').Metafile[]} metafiles
 * @returns {string} the file's text
 */
export function thirdPartyLicenses(root, metafiles) {
  const dirs = new Set();
  for (const metafile of metafiles) {
    for (const input of Object.keys(metafile.inputs)) {
      const dir = packageDir(root, input);
      if (dir) dirs.add(dir);
    }
  }
  const sections = [...dirs]
    .map((dir) => {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      if (!ALLOWED.has(pkg.license)) {
        throw new Error(`bundled package ${pkg.name}: license ${pkg.license} is not allowed`);
      }
      const file = readdirSync(dir).find((n) => /^(licen[cs]e|copying)([.-]|$)/i.test(n));
      if (!file || !existsSync(join(dir, file))) {
        throw new Error(`bundled package ${pkg.name} has no license file to reproduce`);
      }
      const text = readFileSync(join(dir, file), 'utf8').trim();
      return { name: pkg.name, text: `${pkg.name}@${pkg.version} (${pkg.license})\n\n${text}\n` };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  const rule = `\n${'-'.repeat(78)}\n\n`;
  return (
    'wasm-mlp bundles these packages into dist/onnx.js and dist/cli.js; their licenses follow.\n' +
    rule +
    sections.map((s) => s.text).join(rule)
  );
}
