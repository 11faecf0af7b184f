#pragma once
/// What a forward/backward run records beyond the cheap per-layer moments.

namespace initcheck::engine {

/// Switches for the costly parts of a Trace. The cheap statistics (moments, channel summaries,
/// min/max, small fraction, precision events, participation ratios) are always recorded.
struct TraceOptions {
  /// Run the backward pass (needs per-layer activations kept: ~3 matrices per layer).
  bool backward = true;
  /// Per-sample squared norms ‖h_{l−1,b}‖² and ‖z_{l,b}‖² for every layer.
  bool per_sample_norms = true;
  /// tr(HᵀH) and ‖HᵀH‖_F² of each layer's input H (a B×B GEMM per layer; dense layers only).
  bool gram = false;
  /// Participation ratio recorded for units 0 … dominance_units−1 of every layer (0 = none).
  int dominance_units = 4;
  /// Pair runs (the `correlation` claim): samples (2i, 2i+1) form pairs; the input draws sample
  /// 2i+1 as c·x_{2i} + √(1−c²)·ξ (c = pair_input_correlation; mix_input_pairs) and the trace
  /// records the mean pair cosine of every depth unit's output (Trace::pair_cosine).
  /// Transformer: the mean token cosine of every block's output, on the unmixed input.
  bool pair_cosines = false;
  double pair_input_correlation = 0.5;
  /// Threads used inside one forward pass (1 or 2 are useful on the target machine). The batch
  /// is always processed as the same fixed slices, so results are identical for any value.
  int threads = 1;
};

}  // namespace initcheck::engine
