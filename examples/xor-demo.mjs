// npm run demo: trains the classic 2-3-1 sigmoid network on XOR with the WebAssembly core,
// then cross-checks the f32 SIMD core against the float64 pure-TypeScript reference.
import { Network, crossCheck } from 'wasm-mlp';

const x = [
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
];
const y = [[0], [1], [1], [0]];

const net = await Network.create({ layers: [2, 3, 1], learningRate: 0.5, seed: 1 });
console.log(`wasm-mlp demo: XOR with layers [2, 3, 1], ${net.dtype} on the ${net.backend} backend`);

const steps = 10_000;
const started = performance.now();
for (let step = 1; step <= steps; step++) {
  const loss = net.trainStep(x, y);
  if (step === 1 || step % 2_000 === 0) {
    console.log(`  step ${String(step).padStart(6)}  loss ${loss.toFixed(6)}`);
  }
}
const seconds = (performance.now() - started) / 1000;
console.log(
  `trained ${steps} steps in ${(seconds * 1000).toFixed(1)} ms (${Math.round(steps / seconds).toLocaleString('en-US')} steps/s)`,
);

const output = net.forward(x);
x.forEach((row, i) => {
  console.log(`  ${row.join(' xor ')} -> ${output[i].toFixed(4)}  (target ${y[i][0]})`);
});
const correct = x.filter((_, i) => (output[i] > 0.5 ? 1 : 0) === y[i][0]).length;
console.log(`${correct}/4 correct`);

const check = crossCheck(net, x, y);
console.log('f32 SIMD core vs a float64 reference copy (largest differences):');
for (const quantity of ['forward', 'loss', 'gradients', 'step']) {
  const { maxAbs, maxRel } = check[quantity];
  console.log(
    `  ${quantity.padEnd(10)} abs ${maxAbs.toExponential(2)}  rel ${maxRel.toExponential(2)}`,
  );
}
net.dispose();
if (correct !== 4) process.exit(1);
