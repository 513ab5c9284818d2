// Finds the Chromium the browser tests drive (playwright-core only drives a browser; it does
// not download one here). CHROMIUM_PATH wins; otherwise Debian's /usr/bin/chromium, installed
// with apt-get when missing and running as root on Debian (`npm test` from a fresh clone, CI).
//   node scripts/chromium.mjs --install   prints the path, installing if needed
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { aptInstall } from './apt.mjs';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

export function findChromium({ install = false } = {}) {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CHROMIUM_PATH=${fromEnv} does not exist`);
    return fromEnv;
  }
  let found = CANDIDATES.find((path) => existsSync(path));
  if (!found && install && aptInstall(['chromium'], 'chromium')) {
    found = CANDIDATES.find((path) => existsSync(path));
  }
  if (!found) {
    throw new Error(
      'the browser tests need Chromium: `apt-get install chromium` (Debian/Ubuntu, as root), ' +
        'or set CHROMIUM_PATH to a Chromium or Chrome executable',
    );
  }
  return found;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(`[chromium] ${findChromium({ install: process.argv.includes('--install') })}`);
}
