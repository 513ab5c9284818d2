// Canvas drawing for the demo: the loss curves (log scale) and a binary decision boundary.

const COLORS = { wasm: '#1f6feb', reference: '#d97706' };
export const BACKGROUND = '#ffffff';

function clear(ctx) {
  ctx.fillStyle = BACKGROUND;
  ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
}

/** curves: { wasm: [[step, loss], …], reference: […] }; x spans 0…maxStep. */
export function drawLoss(canvas, curves, maxStep) {
  const ctx = canvas.getContext('2d');
  const { width, height } = canvas;
  const pad = { left: 52, right: 12, top: 12, bottom: 28 };
  clear(ctx);
  const points = Object.values(curves)
    .flat()
    .filter(([, loss]) => loss > 0 && Number.isFinite(loss));
  ctx.strokeStyle = '#9ca3af';
  ctx.strokeRect(pad.left, pad.top, width - pad.left - pad.right, height - pad.top - pad.bottom);
  ctx.fillStyle = '#374151';
  ctx.font = '11px sans-serif';
  ctx.fillText('step', (width + pad.left) / 2 - 10, height - 10);
  if (points.length === 0) return;
  const logs = points.map(([, loss]) => Math.log10(loss));
  const [lo, hi] = [Math.floor(Math.min(...logs)), Math.ceil(Math.max(...logs))];
  const span = Math.max(hi - lo, 1);
  const px = (step) => pad.left + (step / maxStep) * (width - pad.left - pad.right);
  const py = (loss) => pad.top + ((hi - Math.log10(loss)) / span) * (height - pad.top - pad.bottom);
  for (let e = lo; e <= lo + span; e++) {
    ctx.fillText(`1e${e}`, 8, py(10 ** e) + 4);
  }
  ctx.fillText('0', pad.left, height - 10);
  ctx.fillText(maxStep.toLocaleString('en-US'), px(maxStep) - 40, height - 10);
  for (const [backend, curve] of Object.entries(curves)) {
    ctx.strokeStyle = COLORS[backend];
    ctx.lineWidth = 2;
    ctx.setLineDash(backend === 'reference' ? [6, 4] : []);
    ctx.beginPath();
    curve.forEach(([step, loss], i) => {
      if (!(loss > 0)) return;
      if (i === 0) ctx.moveTo(px(step), py(loss));
      else ctx.lineTo(px(step), py(loss));
    });
    ctx.stroke();
  }
  ctx.setLineDash([]);
}

/** The probe grid (size × size points over domain², row-major from the top) and the data on top. */
export function drawBoundary(canvas, dataset, grid, size) {
  const ctx = canvas.getContext('2d');
  const { width, height } = canvas;
  clear(ctx);
  if (grid) {
    const image = new ImageData(size, size);
    for (let i = 0; i < size * size; i++) {
      const p = grid[i];
      // Class 1 → blue, class 0 → orange, blended by the output.
      image.data.set([255 - 130 * p, 180 + 20 * p - 40 * (1 - p), 120 + 135 * p, 255], 4 * i);
    }
    const tile = new OffscreenCanvas(size, size);
    tile.getContext('2d').putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(tile, 0, 0, width, height);
  }
  const [lo, hi] = dataset.domain;
  for (let r = 0; r < dataset.rows; r++) {
    const cx = ((dataset.x[2 * r] - lo) / (hi - lo)) * width;
    const cy = ((hi - dataset.x[2 * r + 1]) / (hi - lo)) * height;
    ctx.beginPath();
    ctx.arc(cx, cy, dataset.rows < 10 ? 8 : 4, 0, 2 * Math.PI);
    ctx.fillStyle = dataset.y[r] > 0.5 ? '#1d4ed8' : '#c2410c';
    ctx.fill();
    ctx.strokeStyle = '#ffffff';
    ctx.stroke();
  }
}

/** The probe grid's inputs: size × size points over domain², row-major from the top-left. */
export function gridInputs(domain, size) {
  const [lo, hi] = domain;
  const x = new Float32Array(size * size * 2);
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      const i = row * size + col;
      x[2 * i] = lo + ((col + 0.5) / size) * (hi - lo);
      x[2 * i + 1] = hi - ((row + 0.5) / size) * (hi - lo);
    }
  }
  return x;
}

/** MNIST test digits with the predicted label (green if right, red if wrong). */
export function drawDigits(canvas, test, outputs) {
  const ctx = canvas.getContext('2d');
  const { width } = canvas;
  clear(ctx);
  const cell = 40;
  const perRow = Math.floor(width / cell);
  const shown = Math.min(test.rows, perRow * Math.floor(canvas.height / cell));
  const image = new ImageData(28, 28);
  for (let r = 0; r < shown; r++) {
    for (let p = 0; p < 784; p++) {
      const v = 255 - 255 * test.x[r * 784 + p];
      image.data.set([v, v, v, 255], 4 * p);
    }
    const [cx, cy] = [(r % perRow) * cell, Math.floor(r / perRow) * cell];
    ctx.putImageData(image, cx, cy);
    if (outputs) {
      const scores = outputs.subarray(r * 10, r * 10 + 10);
      const predicted = scores.indexOf(Math.max(...scores));
      ctx.fillStyle = predicted === test.labels[r] ? '#15803d' : '#dc2626';
      ctx.font = 'bold 12px sans-serif';
      ctx.fillText(String(predicted), cx + 29, cy + 12);
    }
  }
}
