// apt-get install for the build and test scripts: only as root on Debian/Ubuntu (CI, fresh
// containers); elsewhere returns false so the caller can say what to install.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export function aptInstall(packages, tag) {
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) return false;
  console.log(`[${tag}] installing ${packages.join(' ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-q'],
    ['install', '-y', '-q', '--no-install-recommends', ...packages],
  ]) {
    const result = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (result.status !== 0) {
      throw new Error(`apt-get ${args.join(' ')} failed with exit code ${result.status}`);
    }
  }
  return true;
}
