// Every ```js / ```ts block of README.md runs as written: each is written to a temporary .mjs
// file in a scratch project whose node_modules/wasm-mlp is this repository (the built dist/, as
// package.json's exports map it) and run with node; it must exit 0. TypeScript blocks go
// through esbuild's type stripping first. New README sections are picked up automatically.
// A block that cannot run standalone (browser-only, a network URL, a second file) is preceded
// by `<!-- readme-snippet: skip (reason) -->`; SKIPPED keeps that list short and explicit.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const SKIP = /<!--\s*readme-snippet:\s*skip\s*\(([^)]+)\)\s*-->\s*$/;
/** At most this many blocks may opt out: raising it needs a reason in the commit message. */
const MAX_SKIPPED = 5;

interface Snippet {
  line: number;
  lang: 'js' | 'ts';
  code: string;
  skip?: string;
}

function snippets(markdown: string): Snippet[] {
  const out: Snippet[] = [];
  const re = /^```(js|ts|javascript|typescript)\s*\n([\s\S]*?)^```\s*$/gm;
  for (const m of markdown.matchAll(re)) {
    const before = markdown.slice(0, m.index).trimEnd();
    const line = before.split('\n').length + 1;
    const skip = SKIP.exec(before)?.[1];
    const lang = m[1]!.startsWith('t') ? 'ts' : 'js';
    out.push({ line, lang, code: m[2]!, ...(skip ? { skip } : {}) });
  }
  return out;
}

const all = snippets(README);
const project = mkdtempSync(join(tmpdir(), 'wasm-mlp-readme-'));
mkdirSync(join(project, 'node_modules'));
symlinkSync(ROOT, join(project, 'node_modules', 'wasm-mlp'), 'dir');
// The README's onnxruntime example imports it as a user would have it installed.
symlinkSync(
  join(ROOT, 'node_modules', 'onnxruntime-node'),
  join(project, 'node_modules', 'onnxruntime-node'),
  'dir',
);
writeFileSync(join(project, 'package.json'), JSON.stringify({ type: 'module', private: true }));
// The Node worker_threads example runs next to the worker file the README shows before it.
writeFileSync(
  join(project, 'train-worker.mjs'),
  "import { serveTraining } from 'wasm-mlp/worker';\nserveTraining();\n",
);

describe('README snippets', () => {
  it('finds the blocks and keeps the opt-outs few', () => {
    expect(all.length).toBeGreaterThanOrEqual(8);
    expect(all.filter((s) => s.skip).length).toBeLessThanOrEqual(MAX_SKIPPED);
  });

  for (const s of all) {
    const title = `README.md:${s.line} (${s.lang})`;
    if (s.skip) {
      it.skip(`${title}: ${s.skip}`, () => {});
      continue;
    }
    it(`${title} runs and exits 0`, () => {
      const code =
        s.lang === 'ts' ? transformSync(s.code, { loader: 'ts', format: 'esm' }).code : s.code;
      const file = join(project, `snippet-${s.line}.mjs`);
      writeFileSync(file, code);
      const run = spawnSync(process.execPath, [file], {
        cwd: project,
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(run.stderr + (run.error?.message ?? ''), `stdout:\n${run.stdout}`).toBe('');
      expect(run.status).toBe(0);
    }, 130_000);
  }
});
