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
    `Measured ${meta.date.slice(0, 10)} on ${meta.cpu} (${meta.cores} vCPU, one thread used: ` +
      `wasm-mlp with \`threads: 1\`, TF.js wasm with 1 thread; thread scaling below), ` +
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
  const block =
    `${START}\n\n![speed-up chart](bench/results/chart.svg)\n\n` +
    `![thread scaling chart](bench/results/threads.svg)\n\n${markdown}\n${END}`;
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a < 0 || b < 0) throw new Error(`README.md lacks the ${START} … ${END} markers`);
  writeFileSync(path, readme.slice(0, a) + block + readme.slice(b + END.length));
}

// ---- Thread scaling (bench/threads.mjs) ----

const threadsLabel = (t) => (t === 'auto' ? "'auto'" : `${t}`);

/** `{ met, text }` for a thread row's target (bench/threads.mjs THREAD_TARGETS), or null. */
export function threadTargetStatus(row, targets) {
  const t = targets[row.id];
  if (!t) return null;
  const r = row.ratio;
  const want = t.min < 1 ? `≥ ${t.min}× (no slower, ±3%)` : `≥ ${t.min}×`;
  return { met: r.median >= t.min, text: `${want}: ${r.median.toFixed(2)}×` };
}

/** The thread-scaling tables (markdown): scaling rows, then 'auto' vs 1 on tiny work. */
export function renderThreadsMarkdown(threads, targets, meta) {
  const scaling = threads.rows.filter((r) => typeof r.cells[1].threads === 'number');
  const auto = threads.rows.filter((r) => r.cells[1].threads === 'auto');
  const counts = scaling[0]?.cells.map((c) => c.threads) ?? [];
  const cell = (c) => `${fmt(c.median)} [${fmt(c.p25)}–${fmt(c.p75)}]`;
  const ratio = (r) =>
    `**${r.ratio.median.toFixed(2)}×**` +
    (r.ratio.rounds.length > 1 ? ` (${r.ratio.min.toFixed(2)}–${r.ratio.max.toFixed(2)})` : '');
  const target = (r) => {
    const t = threadTargetStatus(r, targets);
    return t ? `${t.met ? '✅' : '❌'} ${t.text}` : '';
  };
  const out = [
    `Thread scaling, wasm-mlp f32, measured in the same run on ${threads.cores} available ` +
      `cores${meta?.cpu ? ` (${meta.cpu})` : ''}: thread counts measured round-robin, ` +
      `${threads.rounds} round${threads.rounds > 1 ? 's' : ''}; load average ` +
      `${threads.load[0]} before / ${threads.load[1]} after${meta?.quick ? ', **quick run**' : ''}. ` +
      'Cells: median [p25–p75] of every round’s samples; ratio: median ÷ the 1-thread median ' +
      '(per-round min–max in brackets). `threads: 1` is the single-thread core; more threads ' +
      'run the shared-memory core with its worker pool.',
    '',
    `| workload | unit | ${counts.map((t) => `${t} thread${t === 1 ? '' : 's'}`).join(' | ')} | ratio ${counts[1] ?? 2} ÷ 1 | target (issue) |`,
    `|---|---|${counts.map(() => '---:').join('|')}|---:|---|`,
    ...scaling.map(
      (r) =>
        `| ${r.label} | ${r.unit} | ${r.cells.map(cell).join(' | ')} | ${ratio(r)} | ${target(r)} |`,
    ),
  ];
  if (auto.length > 0) {
    out.push(
      '',
      "Tiny work, `threads: 'auto'` (the default) against `threads: 1`:",
      '',
      "| workload | unit | threads: 1 | threads: 'auto' (in use) | ratio auto ÷ 1 | target (issue) |",
      '|---|---|---:|---:|---:|---|',
      ...auto.map(
        (r) =>
          `| ${r.label} | ${r.unit} | ${cell(r.cells[0])} | ${cell(r.cells[1])} ` +
          `(${r.cells[1].inUse?.count ?? '?'}) | ${ratio(r)} | ${target(r)} |`,
      ),
    );
  }
  const fewer = threads.rows.flatMap((r) =>
    r.cells.filter((c) => c.inUse?.reason).map((c) => `${r.id} threads ${c.threads}`),
  );
  if (fewer.length > 0) {
    out.push('', `Fewer threads than asked in: ${fewer.join(', ')} (see the JSON for why).`);
  }
  return out.join('\n') + '\n';
}

/** A plain-text scaling chart: speed-up over 1 thread per workload and thread count. */
export function renderThreadsText(threads) {
  const rows = threads.rows.filter((r) => typeof r.cells[1].threads === 'number');
  const max = Math.max(
    threads.cores,
    ...rows.flatMap((r) => r.cells.map((c) => c.median / r.cells[0].median)),
  );
  const width = 48;
  const out = [`speed-up over 1 thread (ideal: n× on n threads; full bar = ${max.toFixed(1)}×)`];
  for (const r of rows) {
    out.push('', r.label);
    for (const c of r.cells) {
      const x = c.median / r.cells[0].median;
      const bar = '█'.repeat(Math.max(1, Math.round((x / max) * width)));
      out.push(`  ${String(c.threads).padStart(2)} ${bar} ${x.toFixed(2)}×`);
    }
  }
  const auto = threads.rows.filter((r) => r.cells[1].threads === 'auto');
  if (auto.length > 0) out.push('', "threads: 'auto' ÷ threads: 1 on tiny work");
  for (const r of auto) out.push(`  ${r.label}: ${r.ratio.median.toFixed(2)}×`);
  out.push('', `load average ${threads.load[0]} before / ${threads.load[1]} after`);
  return out.join('\n') + '\n';
}

const THREAD_COLORS = ['#7f8c8d', '#2e86de', '#10ac84', '#ee5253', '#f39c12', '#8e44ad'];

/** The scaling chart (SVG): bars of speed-up over 1 thread, a tick at the ideal n×. */
export function renderThreadsSvg(threads, meta) {
  const rows = threads.rows.filter((r) => typeof r.cells[1].threads === 'number');
  const barH = 16;
  const left = 330;
  const width = 900;
  const plotW = width - left - 90;
  const max = Math.max(
    threads.cores,
    ...rows.flatMap((r) => r.cells.map((c) => c.median / r.cells[0].median)),
  );
  const xOf = (v) => left + (v / max) * plotW;
  let y = 60;
  const parts = [];
  for (const r of rows) {
    parts.push(
      `<text x="${left - 8}" y="${y + barH}" text-anchor="end" font-size="12">${esc(shortLabel(r.label))}</text>`,
    );
    for (const [i, c] of r.cells.entries()) {
      const x = c.median / r.cells[0].median;
      parts.push(
        `<rect x="${left}" y="${y}" width="${xOf(x) - left}" height="${barH - 3}" fill="${THREAD_COLORS[i % THREAD_COLORS.length]}"/>`,
        `<line x1="${xOf(c.threads)}" y1="${y - 1}" x2="${xOf(c.threads)}" y2="${y + barH - 2}" stroke="#000" stroke-dasharray="2,2"/>`,
        `<text x="${xOf(x) + 4}" y="${y + barH - 4}" font-size="10">${c.threads} thread${c.threads === 1 ? '' : 's'}: ${x.toFixed(2)}×</text>`,
      );
      y += barH;
    }
    y += 10;
  }
  const ticks = [];
  for (let v = 0; v <= Math.floor(max); v++) {
    ticks.push(
      `<line x1="${xOf(v)}" y1="50" x2="${xOf(v)}" y2="${y}" stroke="${v === 1 ? '#999' : '#e5e5e5'}"/>`,
      `<text x="${xOf(v)}" y="${y + 14}" text-anchor="middle" font-size="10">${v}×</text>`,
    );
  }
  const sub =
    `${meta?.cpu ?? ''}, ${threads.cores} cores, Node ${meta?.node ?? process.version}, ` +
    `load ${threads.load[0]}–${threads.load[1]}, ${(meta?.date ?? new Date().toISOString()).slice(0, 10)}` +
    (meta?.quick ? ', quick run' : '');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 30}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="22" font-size="14" font-weight="bold">wasm-mlp f32 thread scaling: median throughput ÷ 1 thread (dashed tick: ideal n×)</text>`,
    `<text x="10" y="40" font-size="11">${esc(sub)}</text>`,
    ...ticks,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

/** The workload part of a label, without the parenthesised details (for the chart). */
function shortLabel(label) {
  return label.replace(/\s*\(.*\)$/, '').replace(/: forward of .*$/, ' (linear layer forward)');
}
