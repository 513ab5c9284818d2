// Turns bench results into the markdown table (README + bench/results/*.md) and an SVG chart.
import { readFileSync, writeFileSync } from 'node:fs';
import { ENGINES } from './engines.mjs';

/** The issue's targets: a ratio of wasm-mlp f32 to a peer, or an absolute GFLOP/s. */
export const TARGETS = {
  xor: { peer: 'brain', ratio: 1.5 },
  'mnist-train': { peer: 'tfjs-wasm', ratio: 10 },
  'wide-train': { peer: 'tfjs-wasm', ratio: 25 },
  'mnist-fwd-256': { peer: 'tfjs-wasm', ratio: 2 },
  'mnist-fwd-1': { peer: 'tfjs-wasm', ratio: 10 },
  'gemm-512': { gflops: 38 },
  'gemm-AB': { gflops: 38 },
  'gemm-AtB': { gflops: 38 },
  'gemm-ABt': { gflops: 38 },
};

function fmt(v) {
  if (v >= 1e6) return `${(v / 1e6).toPrecision(3)}M`;
  if (v >= 1e4) return `${(v / 1e3).toPrecision(3)}k`;
  return v >= 100 ? v.toFixed(0) : v.toPrecision(3);
}

const label = (id) => ENGINES.find((e) => e.id === id)?.label ?? id;

/** `{ met, text }` for a row's target, or null when the issue sets none. */
export function targetStatus(row) {
  const t = TARGETS[row.id];
  const ours = row.results['wasm-f32']?.median;
  if (!t || ours === undefined) return null;
  if (t.gflops) {
    return { met: ours >= t.gflops, text: `≥ ${t.gflops} GFLOP/s: ${ours.toFixed(1)}` };
  }
  const peer = row.results[t.peer]?.median;
  if (peer === undefined)
    return { met: false, text: `≥ ${t.ratio}× ${label(t.peer)}: not measured` };
  const ratio = ours / peer;
  return { met: ratio >= t.ratio, text: `≥ ${t.ratio}× ${label(t.peer)}: ${ratio.toFixed(2)}×` };
}

export function renderMarkdown({ meta, peak, rows, relaxed }) {
  const ids = ENGINES.map((e) => e.id);
  const out = [];
  out.push(
    `Measured ${meta.date.slice(0, 10)} on ${meta.cpu} (${meta.cores} vCPU, one thread used), ` +
      `Node ${meta.node} (V8 ${meta.v8})${meta.quick ? ', **quick run** (few samples)' : ''}; ` +
      `machine load average ${meta.load[0]} before / ${meta.load[1]} after (other users' processes: ` +
      `wide p25–p75 ranges mean a noisy run). ` +
      `TF.js wasm: SIMD ${meta.tfjsWasm.simd ? 'on' : 'off'}, threads ${meta.tfjsWasm.threads} ` +
      `(multithreading ${meta.tfjsWasm.threadsSupported ? 'available' : 'not available in Node'}). ` +
      `${meta.brain}.`,
    '',
    `Register-only SIMD128 peak (bench/simd-peak.mjs): **${peak.plain.median.toFixed(1)} GFLOP/s** ` +
      `(f32x4 mul + add); with relaxed-SIMD FMA ${peak.relaxed.median.toFixed(1)} GFLOP/s.`,
    '',
    'Cells: median [p25–p75] of the per-iteration throughput; for a peer, `N×` = wasm-mlp f32 ÷ peer.',
    '',
    `| workload | unit | ${ids.map(label).join(' | ')} | target (issue) |`,
    `|---|---|${ids.map(() => '---:').join('|')}|---|`,
  );
  for (const row of rows) {
    const ours = row.results['wasm-f32']?.median;
    const cells = ids.map((id) => {
      const r = row.results[id];
      if (!r) return '—';
      let cell = `${fmt(r.median)} [${fmt(r.p25)}–${fmt(r.p75)}]`;
      if (id !== 'wasm-f32' && ours !== undefined && ENGINES.find((e) => e.id === id)?.peer) {
        cell += ` · **${(ours / r.median).toFixed(ours / r.median >= 10 ? 0 : 2)}×**`;
      }
      if (id === 'wasm-f32' && row.fractionOfPeak) {
        cell += ` (${Math.round(100 * row.fractionOfPeak)}% of peak)`;
      }
      return cell;
    });
    const t = targetStatus(row);
    out.push(
      `| ${row.label} | ${row.unit} | ${cells.join(' | ')} | ${t ? `${t.met ? '✅' : '❌'} ${t.text}` : ''} |`,
    );
  }
  out.push(
    '',
    'Relaxed-SIMD build (`dist/wasm_mlp_relaxed.wasm`, picked automatically where relaxed SIMD ' +
      'validates; Node 20 needs `--experimental-wasm-relaxed-simd`), f32:',
    '',
    '| workload | unit | plain SIMD128 | relaxed SIMD | gain |',
    '|---|---|---:|---:|---:|',
  );
  for (const r of relaxed) {
    const plain = rows.find((row) => row.id === r.id)?.results['wasm-f32'];
    const peakNote = r.fractionOfPeak
      ? ` (${Math.round(100 * r.fractionOfPeak)}% of FMA peak)`
      : '';
    out.push(
      `| ${r.label} | ${r.unit} | ${plain ? fmt(plain.median) : '—'} | ${fmt(r.relaxed.median)}${peakNote} | ` +
        `${plain ? `${((r.relaxed.median / plain.median - 1) * 100).toFixed(0)}%` : '—'} |`,
    );
  }
  return out.join('\n') + '\n';
}

const COLORS = {
  reference: '#8e44ad',
  'tfjs-wasm': '#e67e22',
  'tfjs-cpu': '#c0392b',
  brain: '#27ae60',
};

/** Horizontal bars: wasm-mlp f32's speed-up over each peer, per workload, log scale. */
export function renderSvg({ meta, rows }) {
  const peers = ENGINES.filter((e) => e.peer);
  const groups = rows
    .map((row) => ({
      label: row.label,
      bars: peers
        .filter((p) => row.results[p.id] && row.results['wasm-f32'])
        .map((p) => ({ peer: p, x: row.results['wasm-f32'].median / row.results[p.id].median })),
    }))
    .filter((g) => g.bars.length > 0);
  const barH = 14;
  const left = 300;
  const width = 900;
  const plotW = width - left - 80;
  const maxLog = Math.max(1, ...groups.flatMap((g) => g.bars.map((b) => Math.log10(b.x))));
  const minLog = Math.min(-0.3, ...groups.flatMap((g) => g.bars.map((b) => Math.log10(b.x))));
  const xOf = (v) => left + ((Math.log10(v) - minLog) / (maxLog - minLog)) * plotW;
  let y = 60;
  const parts = [];
  for (const g of groups) {
    parts.push(
      `<text x="${left - 8}" y="${y + barH}" text-anchor="end" font-size="12">${esc(g.label)}</text>`,
    );
    for (const b of g.bars) {
      const x0 = xOf(1);
      const x1 = xOf(b.x);
      parts.push(
        `<rect x="${Math.min(x0, x1)}" y="${y}" width="${Math.abs(x1 - x0)}" height="${barH - 2}" fill="${COLORS[b.peer.id]}"/>`,
        `<text x="${Math.max(x0, x1) + 4}" y="${y + barH - 3}" font-size="10">${b.x >= 10 ? b.x.toFixed(0) : b.x.toFixed(2)}× ${esc(b.peer.label)}</text>`,
      );
      y += barH;
    }
    y += 10;
  }
  const ticks = [];
  for (let e = Math.ceil(minLog); e <= Math.floor(maxLog); e++) {
    const v = 10 ** e;
    ticks.push(
      `<line x1="${xOf(v)}" y1="50" x2="${xOf(v)}" y2="${y}" stroke="${v === 1 ? '#000' : '#ccc'}"/>`,
      `<text x="${xOf(v)}" y="${y + 14}" text-anchor="middle" font-size="10">${v}×</text>`,
    );
  }
  const height = y + 30;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="22" font-size="14" font-weight="bold">wasm-mlp f32 speed-up over each peer (median throughput ratio, log scale; right of 1× = faster)</text>`,
    `<text x="10" y="40" font-size="11">${esc(`${meta.cpu}, Node ${meta.node}, one thread, ${meta.date.slice(0, 10)}`)}</text>`,
    ...ticks,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

function esc(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const START = '<!-- bench:start (generated by npm run bench) -->';
const END = '<!-- bench:end -->';

/** Replaces the generated part of the README's Performance section. */
export function updateReadme(path, markdown) {
  const readme = readFileSync(path, 'utf8');
  const block = `${START}\n\n![speed-up chart](bench/results/chart.svg)\n\n${markdown}\n${END}`;
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a < 0 || b < 0) throw new Error(`README.md lacks the ${START} … ${END} markers`);
  writeFileSync(path, readme.slice(0, a) + block + readme.slice(b + END.length));
}
