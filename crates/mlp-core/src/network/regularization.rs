//! The network's dropout configuration and per-row loss weights: the setters and buffers
//! around what `forward_pass` / `backprop` (in `network.rs`) read.

use super::{NetError, Network};
use crate::buffer::{commit, replacement};
use crate::simd::SimdReal;

impl<T: SimdReal> Network<T> {
    /// Sets the dropout rate of each hidden layer's output (`rates`: `L − 1` values in
    /// `[0, 1)`, or empty for none) and the seed of the masks. Dropout applies in
    /// [`train_step`](Network::train_step) (and [`training_gradients`](Network::training_gradients))
    /// only: the mask of hidden layer `h` at optimizer step `t` (the step being taken) is
    /// [`Mask::new(seed, t, h, rate)`](crate::kernels::dropout::Mask::new).
    ///
    /// All or nothing: `Err(InvalidConfig)` for a wrong count or a rate outside `[0, 1)`,
    /// `Err(OutOfMemory)` if the buffers of the unmasked outputs cannot be allocated; the
    /// network is unchanged then.
    pub fn set_dropout(&mut self, rates: &[f64], seed: u32) -> Result<(), NetError> {
        let hidden = self.layers.len() - 1;
        if !(rates.is_empty() || rates.len() == hidden)
            || !rates.iter().all(|r| (0.0..1.0).contains(r))
        {
            return Err(NetError::InvalidConfig);
        }
        let mut owned = Vec::new();
        owned.try_reserve_exact(rates.len())?;
        owned.extend_from_slice(rates);
        let staged = self.stage_unmasked(&owned, self.capacity)?;
        let mut outer: Vec<Vec<T>> = Vec::new();
        outer.try_reserve_exact(staged.len())?;
        // Everything is allocated: commit (nothing below can fail).
        let mut old = core::mem::take(&mut self.unmasked).into_iter();
        outer.extend(staged.iter().map(|_| old.next().unwrap_or_default()));
        self.unmasked = outer;
        self.commit_unmasked(staged);
        self.dropout = owned;
        self.dropout_seed = seed;
        self.masked_step = None;
        Ok(())
    }

    /// The dropout rate of each hidden layer (empty: none).
    pub fn dropout(&self) -> &[f64] {
        &self.dropout
    }

    /// The buffers of the unmasked hidden outputs that `rates` needs for `batch` rows, as
    /// staged replacements (one per hidden layer; `None` keeps the current one).
    pub(super) fn stage_unmasked(
        &self,
        rates: &[f64],
        batch: usize,
    ) -> Result<Vec<Option<Vec<T>>>, NetError> {
        let mut staged = Vec::new();
        staged.try_reserve_exact(rates.len())?;
        for (h, &rate) in rates.iter().enumerate() {
            let len = if rate > 0.0 {
                batch
                    .checked_mul(self.layers[h].fan_out)
                    .ok_or(NetError::TooLarge)?
            } else {
                0
            };
            let current = self.unmasked.get(h).map_or(&[][..], |v| &v[..]);
            staged.push(replacement(current, len)?);
        }
        Ok(staged)
    }

    /// Swaps in what [`stage_unmasked`](Self::stage_unmasked) allocated (`unmasked` already
    /// has one slot per staged buffer: set by [`set_dropout`](Self::set_dropout)).
    pub(super) fn commit_unmasked(&mut self, staged: Vec<Option<Vec<T>>>) {
        for (buffer, staged) in self.unmasked.iter_mut().zip(staged) {
            commit(buffer, staged);
        }
    }

    /// Forward with the dropout masks of the next optimizer step, the loss, and the exact
    /// gradient of that (masked) loss into `grads`; parameters, step count untouched. What the
    /// next [`train_step`](Network::train_step) descends along. Panics if `batch > capacity()`.
    pub fn training_gradients(&mut self, batch: usize) -> f64 {
        self.forward_pass(batch, true);
        let loss = self.cached_loss(batch);
        self.backprop(batch, None);
        loss
    }

    /// The per-row loss weights buffer (`capacity` rows; valid until the next growing
    /// reserve), read when [`set_weighted`](Self::set_weighted) is on.
    pub fn weights_mut(&mut self) -> &mut [T] {
        &mut self.weights
    }

    /// Whether the loss, its gradient and `train_step` weight row `r` by `weights[r]` (see
    /// [`crate::losses::weighted`]).
    pub fn set_weighted(&mut self, on: bool) {
        self.weighted = on;
    }
}
