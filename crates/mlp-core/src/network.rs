//! `Network<T>`: a fully connected MLP (per-layer activation, a loss, an optimizer) with every
//! buffer it needs owned up front.
//!
//! Memory layout:
//! - `params`: one flat vector; for each layer `i`, `W_i` (`n_i × n_{i+1}`, row-major) then
//!   `b_i` (`n_{i+1}`). `grads` has the same layout; the optimizer state is `slots × P` values
//!   parallel to it (see [`crate::optimizers`]). All three are allocated at creation and never
//!   reallocated, so pointers to them stay valid for the network's life.
//! - Batch buffers (input, each layer's output, target, two gradient scratch buffers sized for
//!   the widest layer) and the GEMM packing workspace are sized by [`Network::reserve`], which
//!   only ever grows them. Once `reserve(b)` succeeded, every method with `batch ≤ b` runs
//!   without allocating.
//!
//! Forward of layer `i` is `z = x·W` (GEMM, overwrite), then `z += b` (row broadcast), then
//! `y = f_i(z)` in place (the output layer's `z` is copied aside first when the loss reads
//! logits), the last two fused into the GEMM's epilogue (per finished cache block of the
//! product, while it is in L2; softmax's exponentials run after, on whole rows). GEMM-then-bias is the reference's `x @ W + b`
//! summation order, so f64 results match it to the last bits, not merely within tolerance.
//! Backward fuses the same way: each hidden layer's `delta_prev = (delta·Wᵀ) ⊙ f'(y)` is one
//! GEMM whose epilogue applies `f'` (the loop with the seed's three lines: [`Network::backward`],
//! `backprop`).

use crate::activations::Activation;
use crate::buffer::{commit, replacement, zeros};
use crate::kernels::dropout::{self, Mask};
use crate::kernels::{
    all_finite, column_sums, gemm, gemm_with_epilogue, BiasActivation, GemmWorkspace, MatMut,
    MatRef, ScaleByDerivative,
};
use crate::losses::{weighted, Loss};
use crate::optimizers::{clip, Optimizer, Step};
use crate::parallel::{for_each_chunk, SharedMut};
use crate::simd::SimdReal;
use std::collections::TryReserveError;
use std::ops::Range;

mod regularization;

/// Parameters per task of a split optimizer update: the update is elementwise and memory
/// bound, so a task needs enough of it (16 Ki values ≈ 64–256 KiB of parameters, gradients and
/// state) to outweigh a claim from the pool; a fixed size, so the split depends on the layer
/// alone.
const UPDATE_CHUNK: usize = 1 << 14;

/// Which `W_i` the backward pass propagates the gradient through, relative to the update.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ordering {
    /// `delta_prev = delta·W_iᵀ ⊙ f'` with `W_i` *before* its update: plain gradient descent
    /// on `L`.
    Exact,
    /// `delta_prev = delta·W_iᵀ ⊙ f'` with `W_i` *after* its update (the seed's ordering, as
    /// in the classic tutorial). With any optimizer: layer `i`'s update (whatever the rule)
    /// happens before its `delta_prev`.
    UpdateFirst,
}

/// Everything that defines a network besides its parameters.
#[derive(Clone, Copy, Debug)]
pub struct Config<'a> {
    /// Layer sizes `[n_0, …, n_L]`, `L ≥ 1`, every size > 0.
    pub sizes: &'a [usize],
    /// One activation per weight layer (`L` entries); softmax only on the last.
    pub activations: &'a [Activation],
    /// The loss; a cross-entropy requires its output activation (see [`Loss::required_output`]).
    pub loss: Loss,
    /// The update rule and weight decay.
    pub optimizer: Optimizer,
    /// The backward ordering.
    pub ordering: Ordering,
}

/// Why a network could not be created or resized.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetError {
    /// Fewer than two layer sizes, or a size of zero.
    InvalidSizes,
    /// Activations not one per layer, softmax before the last layer, a cross-entropy loss
    /// without its output activation, or global-norm clipping with update-first ordering (each
    /// layer is updated before the next gradient exists, so there is no global norm).
    InvalidConfig,
    /// A buffer length does not fit in `usize` (or the parameter count in `u32`).
    TooLarge,
    /// The allocator refused.
    OutOfMemory,
}

impl From<TryReserveError> for NetError {
    fn from(_: TryReserveError) -> Self {
        NetError::OutOfMemory
    }
}

/// Where one layer lives in the flat parameter / gradient vectors.
#[derive(Clone, Copy, Debug)]
struct Layer {
    fan_in: usize,
    fan_out: usize,
    /// Offset of `W` (`fan_in × fan_out`), followed directly by `b` (`fan_out`).
    w: usize,
}

impl Layer {
    fn b(&self) -> usize {
        self.w + self.fan_in * self.fan_out
    }
    fn end(&self) -> usize {
        self.b() + self.fan_out
    }
}

/// A multilayer perceptron: per-layer activations, a loss and an optimizer.
#[derive(Debug)]
pub struct Network<T: SimdReal> {
    sizes: Vec<usize>,
    layers: Vec<Layer>,
    activations: Vec<Activation>,
    loss: Loss,
    optimizer: Optimizer,
    ordering: Ordering,
    params: Vec<T>,
    grads: Vec<T>,
    /// Optimizer state: `optimizer.slots()` vectors of `params.len()`, one after the other.
    state: Vec<T>,
    /// Completed optimizer steps (Adam's `t`).
    steps: u64,
    /// Rows the batch buffers hold.
    capacity: usize,
    input: Vec<T>,
    /// `outputs[i]`: `capacity × n_{i+1}`, the cached `y_i = f_i(z_i)` of the last forward.
    outputs: Vec<Vec<T>>,
    /// `capacity × n_L`: the output layer's `z` of the last forward, kept only when the loss
    /// reads logits (the cross-entropies); empty otherwise.
    logits: Vec<T>,
    target: Vec<T>,
    /// Backward scratch (`capacity × max(n_1..n_L)` each): `delta` = dL/dz_i of the layer
    /// being differentiated, `delta_prev` = dL/dz_{i−1} computed from it. Swapped (no copy)
    /// after every layer.
    delta: Vec<T>,
    delta_prev: Vec<T>,
    workspace: GemmWorkspace<T>,
    /// Dropout rate of each hidden layer's output (`L − 1` entries; empty: no dropout), see
    /// [`Network::set_dropout`].
    dropout: Vec<f64>,
    /// Seed of the dropout masks.
    dropout_seed: u32,
    /// Per hidden layer with a rate > 0: its output before the mask (`capacity × n_{i+1}`),
    /// which `f'` reads in the backward pass; empty vectors otherwise.
    unmasked: Vec<Vec<T>>,
    /// The step whose dropout masks the last forward applied (`None`: an inference forward).
    masked_step: Option<u64>,
    /// Per-row loss weights (`capacity`), read when `weighted` (see [`crate::losses::weighted`]).
    weights: Vec<T>,
    weighted: bool,
}

impl<T: SimdReal> Network<T> {
    /// The original network: sigmoid on every layer, ½·SSE, plain SGD, with layer sizes
    /// `[n_0, …, n_L]` (`L ≥ 1`, every size > 0); parameters zero.
    pub fn new(sizes: &[usize], ordering: Ordering) -> Result<Self, NetError> {
        let mut activations = Vec::new();
        activations.try_reserve_exact(sizes.len().saturating_sub(1))?;
        activations.resize(sizes.len().saturating_sub(1), Activation::Sigmoid);
        Network::with_config(Config {
            sizes,
            activations: &activations,
            loss: Loss::HalfSse,
            optimizer: Optimizer::default(),
            ordering,
        })
    }

    /// A network for `config`, parameters and optimizer state zero, step count 0.
    /// No batch buffers yet: call [`Network::reserve`] before the first forward.
    pub fn with_config(config: Config<'_>) -> Result<Self, NetError> {
        let Config {
            sizes,
            activations,
            loss,
            optimizer,
            ordering,
        } = config;
        if sizes.len() < 2 || sizes.contains(&0) {
            return Err(NetError::InvalidSizes);
        }
        let (last, hidden) = activations.split_last().ok_or(NetError::InvalidConfig)?;
        if activations.len() != sizes.len() - 1
            || hidden.contains(&Activation::Softmax)
            || (optimizer.clip.norm.is_some() && ordering == Ordering::UpdateFirst)
            || loss.required_output().is_some_and(|a| a != *last)
        {
            return Err(NetError::InvalidConfig);
        }
        let mut layers = Vec::new();
        layers.try_reserve_exact(sizes.len() - 1)?;
        let mut offset = 0usize;
        for pair in sizes.windows(2) {
            let (fan_in, fan_out) = (pair[0], pair[1]);
            layers.push(Layer {
                fan_in,
                fan_out,
                w: offset,
            });
            let len = fan_in
                .checked_mul(fan_out)
                .and_then(|w| w.checked_add(fan_out));
            offset = len
                .and_then(|len| offset.checked_add(len))
                .ok_or(NetError::TooLarge)?;
        }
        let state_len = offset
            .checked_mul(optimizer.slots())
            .ok_or(NetError::TooLarge)?;
        if u32::try_from(state_len.max(offset)).is_err()
            || state_len.max(offset).checked_mul(size_of::<T>()).is_none()
        {
            return Err(NetError::TooLarge);
        }
        let mut outputs = Vec::new();
        outputs.try_reserve_exact(layers.len())?;
        outputs.extend(layers.iter().map(|_| Vec::new()));
        let mut owned_sizes = Vec::new();
        owned_sizes.try_reserve_exact(sizes.len())?;
        owned_sizes.extend_from_slice(sizes);
        let mut owned_activations = Vec::new();
        owned_activations.try_reserve_exact(activations.len())?;
        owned_activations.extend_from_slice(activations);
        Ok(Network {
            sizes: owned_sizes,
            layers,
            activations: owned_activations,
            loss,
            optimizer,
            ordering,
            params: zeros(offset)?,
            grads: zeros(offset)?,
            state: zeros(state_len)?,
            steps: 0,
            capacity: 0,
            input: Vec::new(),
            outputs,
            logits: Vec::new(),
            target: Vec::new(),
            delta: Vec::new(),
            delta_prev: Vec::new(),
            workspace: GemmWorkspace::new(),
            dropout: Vec::new(),
            dropout_seed: 0,
            unmasked: Vec::new(),
            masked_step: None,
            weights: Vec::new(),
            weighted: false,
        })
    }

    /// Layer sizes `[n_0, …, n_L]`.
    pub fn sizes(&self) -> &[usize] {
        &self.sizes
    }

    /// The backward ordering.
    pub fn ordering(&self) -> Ordering {
        self.ordering
    }

    /// One activation per weight layer.
    pub fn activations(&self) -> &[Activation] {
        &self.activations
    }

    /// The loss.
    pub fn loss_kind(&self) -> Loss {
        self.loss
    }

    /// The optimizer.
    pub fn optimizer(&self) -> Optimizer {
        self.optimizer
    }

    /// The optimizer state (`slots × P`, slot-major; empty for SGD).
    pub fn optimizer_state(&self) -> &[T] {
        &self.state
    }

    /// The optimizer state, writable (to resume training).
    pub fn optimizer_state_mut(&mut self) -> &mut [T] {
        &mut self.state
    }

    /// Completed optimizer steps (Adam's `t`).
    pub fn step_count(&self) -> u64 {
        self.steps
    }

    /// Sets the completed step count (to resume training).
    pub fn set_step_count(&mut self, steps: u64) {
        self.steps = steps;
    }

    /// Rows the batch buffers currently hold.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The flat parameter vector (`W_0, b_0, W_1, b_1, …`).
    pub fn params(&self) -> &[T] {
        &self.params
    }

    /// The flat parameter vector, writable (e.g. to load initial weights).
    pub fn params_mut(&mut self) -> &mut [T] {
        &mut self.params
    }

    /// The flat gradient vector (same layout as the parameters).
    pub fn grads(&self) -> &[T] {
        &self.grads
    }

    /// The flat gradient vector, writable (for the FFI's pointer; nothing reads it back).
    pub fn grads_mut(&mut self) -> &mut [T] {
        &mut self.grads
    }

    /// The input buffer, `capacity × n_0` (row-major).
    pub fn input_mut(&mut self) -> &mut [T] {
        &mut self.input
    }

    /// The target buffer, `capacity × n_L`.
    pub fn target_mut(&mut self) -> &mut [T] {
        &mut self.target
    }

    /// The last layer's output buffer, `capacity × n_L` (valid rows: the last forward's batch).
    pub fn output(&self) -> &[T] {
        self.outputs.last().map_or(&[], |o| o)
    }

    /// The last layer's output buffer, writable (for the FFI's pointer).
    pub fn output_mut(&mut self) -> &mut [T] {
        self.outputs.last_mut().map_or(&mut [], |o| o)
    }

    /// Makes every batch buffer and the GEMM workspace hold `batch` rows. Grow-only: a smaller
    /// `batch` is a no-op. May move the input/target/output buffers; params/grads never move.
    ///
    /// All or nothing: every larger buffer is allocated first, as a new vector, and they are
    /// swapped in only once all succeeded. On `Err` nothing moved and `capacity()` is
    /// unchanged, so the buffer addresses handed out before stay valid. (The price: old and new
    /// buffers exist side by side for a moment.)
    pub fn reserve(&mut self, batch: usize) -> Result<(), NetError> {
        if batch <= self.capacity {
            return Ok(());
        }
        let rows = |n: usize| batch.checked_mul(n).ok_or(NetError::TooLarge);
        let widest = self.sizes[1..].iter().copied().max().unwrap_or(0);
        let n_last = self.layers[self.layers.len() - 1].fan_out;
        let input = replacement(&self.input, rows(self.sizes[0])?)?;
        let target = replacement(&self.target, rows(n_last)?)?;
        let logits = if self.loss.needs_logits() {
            replacement(&self.logits, rows(n_last)?)?
        } else {
            None
        };
        let delta = replacement(&self.delta, rows(widest)?)?;
        let delta_prev = replacement(&self.delta_prev, rows(widest)?)?;
        let weights = replacement(&self.weights, batch)?;
        let unmasked = self.stage_unmasked(&self.dropout, batch)?;
        let mut outputs = Vec::new();
        outputs.try_reserve_exact(self.layers.len())?;
        for (out, layer) in self.outputs.iter().zip(&self.layers) {
            outputs.push(replacement(out, rows(layer.fan_out)?)?);
        }
        let workspace = self
            .workspace
            .staged_growth(self.layers.iter().flat_map(|l| {
                let (i, o) = (l.fan_in, l.fan_out);
                // forward x·W (batch×i · i×o), dW = xᵀ·delta (i×batch · batch×o),
                // delta_prev = delta·Wᵀ (batch×o · o×i)
                [(batch, o, i), (i, o, batch), (batch, i, o)]
            }))?;

        // Everything is allocated: commit (nothing below can fail).
        commit(&mut self.input, input);
        commit(&mut self.target, target);
        commit(&mut self.logits, logits);
        commit(&mut self.delta, delta);
        commit(&mut self.delta_prev, delta_prev);
        commit(&mut self.weights, weights);
        self.commit_unmasked(unmasked);
        for (out, staged) in self.outputs.iter_mut().zip(outputs) {
            commit(out, staged);
        }
        self.workspace.commit(workspace);
        self.capacity = batch;
        Ok(())
    }

    /// Threads the products and updates may use (1: all on the calling thread).
    pub fn threads(&self) -> usize {
        self.workspace.threads()
    }

    /// Lets products and updates use up to `threads` threads (≥ 1) of the core's pool; the
    /// results are bit-identical for every count. Allocates the extra threads' packing buffers
    /// for the current capacity (all or nothing: on `Err` nothing changed).
    pub fn set_threads(&mut self, threads: usize) -> Result<(), NetError> {
        Ok(self.workspace.set_threads(threads)?)
    }

    fn check_batch(&self, batch: usize) {
        assert!(
            batch <= self.capacity,
            "batch {batch} > reserved capacity {}",
            self.capacity
        );
    }

    /// Forward pass over the first `batch` rows of the input buffer; caches every layer's
    /// output. Inference: no dropout. Panics if `batch > capacity()`.
    pub fn forward(&mut self, batch: usize) {
        self.forward_pass(batch, false);
    }

    /// [`Network::forward`] if the first `batch` input rows are all finite (one SIMD read of
    /// the batch); `false` and nothing computed otherwise. The caller's check of its data can
    /// then be skipped on the hot path (the TS side only scans to name the bad value).
    pub fn forward_checked(&mut self, batch: usize) -> bool {
        self.check_batch(batch);
        if !all_finite(&self.input[..batch * self.sizes[0]]) {
            return false;
        }
        self.forward(batch);
        true
    }

    /// The forward pass; `training` applies the dropout masks of the next optimizer step.
    fn forward_pass(&mut self, batch: usize, training: bool) {
        self.check_batch(batch);
        let masked_step =
            (training && self.dropout.iter().any(|&r| r > 0.0)).then(|| self.steps + 1);
        self.masked_step = masked_step;
        let Network {
            layers,
            activations,
            loss,
            params,
            input,
            outputs,
            logits,
            workspace,
            dropout: rates,
            dropout_seed,
            unmasked,
            ..
        } = self;
        let last = layers.len() - 1;
        for (i, l) in layers.iter().enumerate() {
            let (before, rest) = outputs.split_at_mut(i);
            let x: &[T] = if i == 0 { input } else { &before[i - 1] };
            let y = &mut rest[0][..batch * l.fan_out];
            let w = &params[l.w..l.b()];
            let b = &params[l.b()..l.end()];
            let f = activations[i];
            // An elementwise f runs on each finished block of the product while it is in L2;
            // softmax needs whole rows, so it runs after the product.
            let tile_f = if f.is_elementwise() {
                f
            } else {
                Activation::Linear
            };
            // y = f(z), z = x·W + b   (z kept for a loss that reads the logits)
            gemm_with_epilogue(
                workspace,
                MatRef::new(x, batch, l.fan_in),
                MatRef::new(w, l.fan_in, l.fan_out),
                MatMut::new(y, batch, l.fan_out),
                false,
                &BiasActivation {
                    bias: b,
                    keep_z: (i == last && loss.needs_logits())
                        .then(|| SharedMut::new(&mut logits[..])),
                    activate: |row: &mut [T]| tile_f.forward(row, row.len()),
                },
            );
            if !f.is_elementwise() {
                f.forward(y, l.fan_out);
            }
            // Inverted dropout on a hidden layer's output: y ← y ⊙ m/(1 − p), the unmasked y
            // kept for f' in the backward pass.
            if let Some(step) = masked_step.filter(|_| i < last && rates[i] > 0.0) {
                unmasked[i][..y.len()].copy_from_slice(y);
                let mask = Mask::new(*dropout_seed, step, i as u32, rates[i]);
                dropout::apply(&mask, y, 0, dropout::keep_scale(rates[i]));
            }
        }
    }

    /// The loss of the cached output against the target buffer (f64 accumulation).
    fn cached_loss(&self, batch: usize) -> f64 {
        let cols = self.layers[self.layers.len() - 1].fan_out;
        let n = batch * cols;
        let logits = if self.loss.needs_logits() {
            &self.logits[..n]
        } else {
            &[]
        };
        let (y_hat, target) = (&self.output()[..n], &self.target[..n]);
        if self.weighted {
            weighted::value(
                self.loss,
                y_hat,
                logits,
                target,
                &self.weights[..batch],
                cols,
            )
        } else {
            self.loss.value(y_hat, logits, target, cols)
        }
    }

    /// Forward + loss over the first `batch` rows (see [`Loss`] for each reduction). Panics if
    /// `batch > capacity()`.
    pub fn loss(&mut self, batch: usize) -> f64 {
        self.forward(batch);
        self.cached_loss(batch)
    }

    /// Forward + loss + the exact gradient of the loss into `grads`; parameters untouched.
    /// Returns the loss. Panics if `batch > capacity()`.
    pub fn gradients(&mut self, batch: usize) -> f64 {
        let loss = self.loss(batch);
        self.backprop(batch, None);
        loss
    }

    /// One optimizer step (learning rate `lr`) from the cached forward and the target buffer,
    /// with this network's [`Ordering`]. Leaves each layer's `dW, db` in `grads` and counts the
    /// step. Panics if `batch > capacity()`.
    pub fn backward(&mut self, batch: usize, lr: T) {
        self.check_batch(batch);
        self.steps += 1;
        let mut step = self.optimizer.step_scalars(lr, self.steps);
        match self.optimizer.clip.norm {
            None => self.backprop(batch, Some(step)),
            // The global norm needs every layer's gradient before any update (so only with
            // exact ordering, see `with_config`): the gradient pass, then all updates scaled.
            Some(c) => {
                self.backprop(batch, None);
                step.grad_scale = T::from_f64(clip::norm_scale(&self.grads, c));
                let threads = self.workspace.threads();
                let Network {
                    layers,
                    optimizer,
                    params,
                    grads,
                    state,
                    ..
                } = self;
                for l in layers.iter() {
                    update_layer(optimizer, state, params, grads, l, &step, threads);
                }
            }
        }
    }

    /// Forward + loss + backward; returns the loss before the update. A loss that is not
    /// finite (NaN, ±∞) skips the update: parameters, optimizer state and step count are left
    /// as they were, so a diverging run can stop at its last finite state.
    ///
    /// Inputs or targets that are not finite also skip it (NaN returned, no forward): ±∞
    /// through a saturating activation (σ, tanh) gives a finite loss but an infinite `dW`. The
    /// caller validates its data; this catches data changed after validation (an array
    /// mutated while `fit` runs) for the cost of one read of the batch.
    pub fn train_step(&mut self, batch: usize, lr: T) -> f64 {
        self.check_batch(batch);
        let n_last = self.layers[self.layers.len() - 1].fan_out;
        if !all_finite(&self.input[..batch * self.sizes[0]])
            || !all_finite(&self.target[..batch * n_last])
            || (self.weighted && !all_finite(&self.weights[..batch]))
        {
            return f64::NAN;
        }
        self.forward_pass(batch, true);
        let loss = self.cached_loss(batch);
        if loss.is_finite() {
            self.backward(batch, lr);
        }
        loss
    }

    /// The backward loop. `step = None` computes the gradient only (every layer's `delta_prev`
    /// from the un-updated weights, i.e. exact); `Some` applies one optimizer update per layer.
    ///
    /// The seed network's three lines (σ on every layer, ½·SSE, SGD; `a` = a layer's input,
    /// i.e. the previous layer's output, `ŷ` = the last layer's), each marked where it is done:
    /// ```text
    /// delta      = (ŷ − y) ⊙ ŷ(1 − ŷ)          in general dL/dŷ ⊙ f'
    /// dW         = aᵀ·delta,  db = Σ_batch delta
    /// delta_prev = delta·Wᵀ ⊙ a(1 − a)          in general ⊙ f' of the layer below
    /// ```
    /// `ŷ(1 − ŷ)` and `a(1 − a)` are σ' written through σ's output, the one line of
    /// [`sigmoid::backward`](crate::activations::sigmoid::backward).
    fn backprop(&mut self, batch: usize, step: Option<Step<T>>) {
        let Network {
            layers,
            activations,
            loss,
            optimizer,
            ordering,
            params,
            grads,
            state,
            input,
            outputs,
            target,
            delta: delta_buf,
            delta_prev: delta_prev_buf,
            workspace,
            dropout: rates,
            dropout_seed,
            unmasked,
            masked_step,
            weights,
            weighted,
            ..
        } = self;
        let last = layers.len() - 1;
        let n_out = layers[last].fan_out;
        let threads = workspace.threads();
        // The dropout mask the last forward applied to hidden layer `h`, with its scale.
        let mask_of = |h: usize| {
            (*masked_step)
                .filter(|_| rates[h] > 0.0)
                .map(|step| (Mask::new(*dropout_seed, step, h as u32, rates[h]), rates[h]))
        };

        // delta = dL/dz of the output layer = dL/dŷ ⊙ f'(z); the seed's (ŷ − y) ⊙ ŷ(1 − ŷ)
        // (half_sse::backward, then sigmoid::backward). A cross-entropy fuses both factors
        // into one, (ŷ − y)/N (see Loss).
        loss.output_delta(
            activations[last],
            &outputs[last][..batch * n_out],
            &target[..batch * n_out],
            &mut delta_buf[..batch * n_out],
            n_out,
        );
        if *weighted {
            // Row r's loss term is w_r·ℓ_r, so its delta is w_r·dℓ_r/dz.
            weighted::scale_rows(&mut delta_buf[..batch * n_out], &weights[..batch], n_out);
        }

        for i in (0..=last).rev() {
            let l = layers[i];
            let a: &[T] = if i == 0 { input } else { &outputs[i - 1] };
            let a = MatRef::new(a, batch, l.fan_in);
            // delta = dL/dz_i: from the loss (output layer) or the previous iteration's product
            let delta = MatRef::new(&delta_buf[..batch * l.fan_out], batch, l.fan_out);

            let (dw, db) = grads[l.w..l.end()].split_at_mut(l.fan_in * l.fan_out);
            // dW = aᵀ·delta                                  (z = a·W + b ⇒ ∂z/∂W = a)
            gemm(
                workspace,
                a.t(),
                delta,
                MatMut::new(dw, l.fan_in, l.fan_out),
                false,
            );
            // db = Σ_batch delta                             (∂z/∂b = 1 for every row)
            column_sums(delta.data, batch, l.fan_out, db);

            // delta_prev = delta·W_iᵀ ⊙ f'_{i−1}            (z = a·W + b ⇒ ∂z/∂a = Wᵀ, and
            // a = f_{i−1}(z_{i−1}) ⇒ ∂a/∂z_{i−1} = f'_{i−1}, from a itself: the seed's
            // a(1 − a), sigmoid::backward), f' applied in the product's epilogue. Which W: see
            // Ordering. Never needed for the input layer.
            // With dropout on a = m/(1 − p) ⊙ f(z): f' from the unmasked output, then the
            // same factor m/(1 − p) on the gradient.
            let mut propagate = |params: &[T], delta_prev: &mut [T]| {
                if i > 0 {
                    let mask = mask_of(i - 1);
                    let a = if mask.is_some() {
                        &unmasked[i - 1]
                    } else {
                        &outputs[i - 1]
                    };
                    let into = Previous {
                        f: activations[i - 1],
                        a: &a[..batch * l.fan_in],
                        delta: delta_prev,
                    };
                    back_through_w(workspace, delta, &params[l.w..l.b()], l, into);
                    if let Some((mask, rate)) = mask {
                        let g = &mut delta_prev[..batch * l.fan_in];
                        dropout::apply(&mask, g, 0, dropout::keep_scale(rate));
                    }
                }
            };
            let mut update = |params: &mut [T], step: &Step<T>| {
                update_layer(optimizer, state, params, grads, &l, step, threads)
            };
            match (&step, *ordering) {
                (None, _) => propagate(params, delta_prev_buf),
                (Some(step), Ordering::Exact) => {
                    propagate(params, delta_prev_buf);
                    update(params, step);
                }
                (Some(step), Ordering::UpdateFirst) => {
                    update(params, step);
                    propagate(params, delta_prev_buf);
                }
            }
            core::mem::swap(delta_buf, delta_prev_buf);
        }
    }
}

/// One optimizer update of layer `l` from its gradient in `grads`:
/// W ← W − lr·Δ(dW + λW) ; b ← b − lr·Δ(db)   (Δ: the optimizer's rule; the seed's SGD:
/// W −= lr·dW, b −= lr·db).
fn update_layer<T: SimdReal>(
    optimizer: &Optimizer,
    state: &mut [T],
    params: &mut [T],
    grads: &[T],
    l: &Layer,
    step: &Step<T>,
    threads: usize,
) {
    let bias_step = Step {
        decay: T::ZERO,
        ..*step
    };
    let p = params.len();
    for (range, step) in [(l.w..l.b(), step), (l.b()..l.end(), &bias_step)] {
        let (s0, s1) = state_slots(state, p, optimizer.slots(), range.clone());
        let grads = &grads[range.clone()];
        // Elementwise, so split into fixed chunks run by the pool (same bits for any count).
        let complete = for_each_chunk(
            threads,
            range.len(),
            UPDATE_CHUNK,
            [&mut params[range], s0, s1],
            &|r, [w, s0, s1]| optimizer.update(step, w, &grads[r], s0, s1),
        );
        assert!(complete, "a pool worker died during the update");
    }
}

/// The optimizer-state slices of `range` in slots 0 and 1 (empty beyond `slots`), from the
/// slot-major state of `p` parameters per slot.
fn state_slots<T>(
    state: &mut [T],
    p: usize,
    slots: usize,
    range: Range<usize>,
) -> (&mut [T], &mut [T]) {
    let (first, rest) = state.split_at_mut(p.min(state.len()));
    let s0 = if slots >= 1 {
        &mut first[range.clone()]
    } else {
        &mut [][..]
    };
    let s1 = if slots >= 2 {
        &mut rest[range]
    } else {
        &mut [][..]
    };
    (s0, s1)
}

/// The layer below the one being differentiated: its activation, its cached output `a` (the
/// input of the layer above) and where its `delta` goes.
struct Previous<'a, T> {
    f: Activation,
    a: &'a [T],
    delta: &'a mut [T],
}

/// `delta_prev = (delta·Wᵀ) ⊙ f'(a)` (`batch × fan_in`) into `prev.delta`, `f'` applied to each
/// finished block of the product (hidden activations are elementwise).
fn back_through_w<T: SimdReal>(
    ws: &mut GemmWorkspace<T>,
    delta: MatRef<'_, T>,
    w: &[T],
    l: Layer,
    prev: Previous<'_, T>,
) {
    let batch = delta.rows();
    let out = &mut prev.delta[..batch * l.fan_in];
    debug_assert!(
        prev.f.is_elementwise(),
        "softmax is only allowed on the output layer"
    );
    let f = prev.f;
    gemm_with_epilogue(
        ws,
        delta,
        MatRef::new(w, l.fan_in, l.fan_out).t(),
        MatMut::new(out, batch, l.fan_in),
        false,
        &ScaleByDerivative {
            y: prev.a,
            ldy: l.fan_in,
            // ⊙ f'(a), e.g. the seed's a(1 − a): Activation::backward → sigmoid::backward
            derivative: |g: &mut [T], a: &[T]| f.backward(g, a, g.len()),
        },
    );
}
