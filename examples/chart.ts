// A small SVG chart of a training history: loss (left) and accuracy (right) per epoch, training
// and validation. No dependencies: the chart is a few polylines and labels.
import type { History } from 'wasm-mlp';

const W = 360; // one panel
const H = 240;
const PAD = { left: 48, right: 12, top: 28, bottom: 36 };

function panel(
  x0: number,
  title: string,
  series: { name: string; color: string; values: number[] }[],
  range?: [number, number],
): string {
  const all = series.flatMap((s) => s.values);
  let [lo, hi] = range ?? [Math.min(...all), Math.max(...all)];
  if (hi - lo < 1e-12) [lo, hi] = [lo - 0.5, hi + 0.5];
  const epochs = Math.max(...series.map((s) => s.values.length));
  const px = (i: number) =>
    x0 + PAD.left + ((W - PAD.left - PAD.right) * i) / Math.max(1, epochs - 1);
  const py = (v: number) => PAD.top + ((H - PAD.top - PAD.bottom) * (hi - v)) / (hi - lo);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((t) => lo + t * (hi - lo));
  const parts = [
    `<text x="${x0 + W / 2}" y="18" text-anchor="middle" font-weight="bold">${title}</text>`,
    `<rect x="${x0 + PAD.left}" y="${PAD.top}" width="${W - PAD.left - PAD.right}" height="${H - PAD.top - PAD.bottom}" fill="none" stroke="#999"/>`,
    ...ticks.map(
      (v) =>
        `<line x1="${x0 + PAD.left}" x2="${x0 + W - PAD.right}" y1="${py(v)}" y2="${py(v)}" stroke="#eee"/>` +
        `<text x="${x0 + PAD.left - 4}" y="${py(v) + 4}" text-anchor="end">${v.toFixed(3)}</text>`,
    ),
    `<text x="${x0 + W / 2}" y="${H - 6}" text-anchor="middle">epoch (1–${epochs})</text>`,
  ];
  series.forEach((s, k) => {
    if (s.values.length === 0) return;
    const points = s.values.map((v, i) => `${px(i).toFixed(1)},${py(v).toFixed(1)}`).join(' ');
    parts.push(`<polyline points="${points}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    const ly = PAD.top + 14 + 14 * k;
    parts.push(
      `<line x1="${x0 + W - 110}" x2="${x0 + W - 94}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"/>` +
        `<text x="${x0 + W - 90}" y="${ly}">${s.name}</text>`,
    );
  });
  return parts.join('\n');
}

/** The loss and accuracy curves of a `fit` history as an SVG document. */
export function trainingChartSvg(history: History): string {
  const train = '#1f77b4';
  const val = '#ff7f0e';
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    panel(0, 'loss', [
      { name: 'training', color: train, values: history.loss },
      { name: 'validation', color: val, values: history.valLoss },
    ]),
    panel(
      W,
      'accuracy',
      [
        { name: 'training', color: train, values: history.accuracy ?? [] },
        { name: 'validation', color: val, values: history.valAccuracy ?? [] },
      ],
      [Math.min(...(history.accuracy ?? []), ...(history.valAccuracy ?? [])), 1],
    ),
    '</svg>',
    '',
  ].join('\n');
}
