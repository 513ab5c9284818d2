// The output layer and loss pairings the page offers, and how it turns a step's loss (with the
// loss's own batch reduction) into a loss per example for the chart and the table.

/** value of the Output · loss select → Network.create options for the last layer. */
export const OUTPUTS = {
  'sigmoid-half-sse': { activation: 'sigmoid', loss: 'half-sse' },
  'sigmoid-bce': { activation: 'sigmoid', loss: 'binary-cross-entropy' },
  'softmax-cce': { activation: 'softmax', loss: 'categorical-cross-entropy' },
};

/**
 * Loss per example = summed over the outputs, averaged over the rows: half-sse sums over the
 * batch (÷ rows), binary cross-entropy averages over rows and outputs (× outputs), categorical
 * cross-entropy already sums over classes and averages over rows.
 */
export function perExampleFactor(loss, batchRows, outputs) {
  if (loss === 'half-sse') return 1 / batchRows;
  if (loss === 'binary-cross-entropy') return outputs;
  return 1;
}
