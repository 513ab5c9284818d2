// train --checkpoint / --checkpoint-every / --resume: checkpoints hold the training state; a run
// stopped after some epochs (or SIGKILLed at any moment) and resumed ends with the model of
// an uninterrupted run; bad combinations fail before any training with one clear line.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Network } from 'wasm-mlp';
import { CLI, cli, failsWith, fixture } from './run.js';

const dir = mkdtempSync(join(tmpdir(), 'wasm-mlp-cli-checkpoint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const irisArgs = (epochs: number, out: string, ...more: string[]) => [
  'train',
  '--data',
  fixture('iris.csv'),
  '--target',
  'species',
  '--layers',
  '8',
  '--epochs',
  String(epochs),
  '--batch-size',
  '16',
  '--validation-split',
  '0.2',
  '--out',
  out,
  ...more,
];

const load = async (file: string) => Network.fromSafetensors(readFileSync(file));
const flat = (net: Network) => {
  const p = net.getParameters();
  return [...p.weights.flatMap((w) => [...w]), ...p.biases.flatMap((b) => [...b])];
};

describe('train --checkpoint / --resume', () => {
  it('a run stopped after 3 of 8 epochs and resumed ends with the uninterrupted model', async () => {
    const whole = join(dir, 'whole.safetensors');
    expect((await cli(...irisArgs(8, whole))).code).toBe(0);

    const ckpt = join(dir, 'ckpt.safetensors');
    const part = join(dir, 'part.safetensors');
    const first = await cli(...irisArgs(3, part, '--checkpoint', ckpt, '--checkpoint-every', '2'));
    expect(first.code).toBe(0);
    using saved = await load(ckpt);
    expect(saved.epochsTrained).toBe(3); // after epoch 2, then the last one
    expect(saved.toJSON({ trainingState: true }).training?.step).toBeGreaterThan(0);

    const out = join(dir, 'resumed.safetensors');
    const resumed = await cli(...irisArgs(8, out, '--checkpoint', ckpt, '--resume'));
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(`resuming from ${ckpt} after epoch 3 of 8`);
    expect(resumed.stdout).toMatch(/trained 5 epochs in/);
    using a = await load(out);
    using b = await load(whole);
    expect(flat(a)).toEqual(flat(b));
    expect(a.metadata).toEqual(b.metadata);
  });

  it('a run SIGKILLed while training resumes from its last checkpoint to the same model', async () => {
    // 3000 rows, 150 epochs: long enough to be killed in the middle.
    const rows = ['a,b,c,y'];
    for (let i = 0; i < 3000; i++) {
      const [a, b, c] = [Math.sin(i), Math.cos(i * 0.37), ((i * 13) % 29) / 29];
      rows.push(`${a},${b},${c},${a * b + c}`);
    }
    const data = join(dir, 'big.csv');
    writeFileSync(data, rows.join('\n') + '\n');
    const args = (out: string, ...more: string[]) => [
      CLI,
      'train',
      '--data',
      data,
      '--target',
      'y',
      '--layers',
      '16',
      '--epochs',
      '150',
      '--out',
      out,
      ...more,
    ];
    const ckpt = join(dir, 'big-ckpt.safetensors');
    const killed = await new Promise<NodeJS.Signals | null>((resolve) => {
      const child = spawn(process.execPath, args(join(dir, 'never.json'), '--checkpoint', ckpt), {
        stdio: 'ignore',
      });
      const poll = setInterval(() => {
        if (existsSync(ckpt)) child.kill('SIGKILL');
      }, 2);
      child.on('exit', (_code, signal) => {
        clearInterval(poll);
        resolve(signal);
      });
    });
    expect(killed).toBe('SIGKILL');
    expect(existsSync(join(dir, 'never.json'))).toBe(false);
    using saved = await load(ckpt);
    expect(saved.epochsTrained).toBeGreaterThan(0);
    expect(saved.epochsTrained).toBeLessThan(150);

    const resumedOut = join(dir, 'big-resumed.json');
    const resumed = await cli(...args(resumedOut, '--checkpoint', ckpt, '--resume').slice(1));
    expect(resumed.code).toBe(0);
    const wholeOut = join(dir, 'big-whole.json');
    expect((await cli(...args(wholeOut).slice(1))).code).toBe(0);
    expect(readFileSync(resumedOut, 'utf8')).toBe(readFileSync(wholeOut, 'utf8'));
  });

  it('refuses bad combinations before training', async () => {
    const out = join(dir, 'x.safetensors');
    failsWith(
      await cli(...irisArgs(2, out, '--checkpoint', join(dir, 'missing', 'c.safetensors'))),
      `cannot write '${join(dir, 'missing', 'c.safetensors')}': no such directory`,
    );
    failsWith(
      await cli(...irisArgs(2, out, '--resume', join(dir, 'none.safetensors'))),
      `cannot read '${join(dir, 'none.safetensors')}': no such file`,
    );
    failsWith(
      await cli(...irisArgs(2, out, '--resume')),
      '--resume without a file needs --checkpoint <file> (the file to resume from)',
    );
    failsWith(
      await cli(...irisArgs(2, out, '--checkpoint-every', '2')),
      '--checkpoint-every needs --checkpoint <file>',
    );
    failsWith(
      await cli(...irisArgs(2, out, '--checkpoint', out)),
      `--checkpoint '${out}' must not be the --out file`,
    );
    failsWith(
      await cli(...irisArgs(2, out, '--checkpoint', join(dir, 'c.csv'))),
      `model file '${join(dir, 'c.csv')}' must end in .safetensors or .json`,
    );
    // A final model (no training state) cannot be resumed.
    const plain = join(dir, 'plain.safetensors');
    expect((await cli(...irisArgs(1, plain))).code).toBe(0);
    failsWith(
      await cli(...irisArgs(2, out, '--resume', plain)),
      `--resume '${plain}' holds no training state (write one with --checkpoint)`,
    );
    // Another architecture than this data and --layers give.
    const ckpt = join(dir, 'other.safetensors');
    expect((await cli(...irisArgs(1, join(dir, 'o.json'), '--checkpoint', ckpt))).code).toBe(0);
    const wide = [...irisArgs(2, out, '--resume', ckpt)];
    wide[wide.indexOf('--layers') + 1] = '9';
    failsWith(
      await cli(...wide),
      `--resume '${ckpt}' has layers 4-8-3, but this data and --layers give 4-9-3: resume with the same --data, --target, --features and --layers`,
    );
  });
});
