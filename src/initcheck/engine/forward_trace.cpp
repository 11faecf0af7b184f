// The Trace of a forward pass: sized before the pass, filled from the merged per-slice
// statistics after it (moments, events, BatchNorm error, participation ratios, Gram summaries).
#include <algorithm>
#include <cmath>

#include "initcheck/engine/detail/network_impl.hpp"
#include "initcheck/nn/gemm.hpp"

namespace initcheck::engine::detail {

using Eigen::Index;
using precision::PrecisionEvents;

void NetworkImpl::gram_of_input(int l, Trace& trace) {
  const auto ul = static_cast<std::size_t>(l);
  const LayerLayout& li = layout.layers[ul];
  LayerTrace& lt = trace.layers[ul];
  if (layout.is_conv) return;
  nn::gemm(1.0f, map(li.in), true, map(li.in), false, 0.0f, gram);
  double tr = 0.0;
  double fro = 0.0;
  for (Index j = 0; j < gram.cols(); ++j) {
    for (Index i = 0; i < gram.rows(); ++i) {
      const double g = gram(i, j);
      fro += g * g;
    }
    tr += gram(j, j);
  }
  lt.gram_trace = tr;
  lt.gram_frobenius_sq = fro;
}

void NetworkImpl::prepare_trace(Trace& trace) const {
  const auto L = static_cast<std::size_t>(layout.num_layers);
  const auto k = static_cast<std::size_t>(std::max(opts.dominance_units, 0));
  const std::size_t per_sample = opts.per_sample_norms ? static_cast<std::size_t>(layout.batch) : 0;
  if (trace.layers.size() != L) trace.layers.resize(L);
  if (trace.blocks.size() != static_cast<std::size_t>(layout.num_blocks)) {
    trace.blocks.resize(static_cast<std::size_t>(layout.num_blocks));
  }
  trace.input_sq_norms.resize(per_sample);
  std::fill(trace.input_sq_norms.begin(), trace.input_sq_norms.end(), 0.0);
  trace.output_sq_norms.resize(per_sample);
  std::fill(trace.output_sq_norms.begin(), trace.output_sq_norms.end(), 0.0);
  trace.pair_cosine.resize(pair_sum[0].size());
  for (std::size_t l = 0; l < L; ++l) {
    LayerTrace& lt = trace.layers[l];
    lt.input_sq_norms.resize(per_sample);
    lt.pre_sq_norms.resize(per_sample);
    std::fill(lt.input_sq_norms.begin(), lt.input_sq_norms.end(), 0.0);
    std::fill(lt.pre_sq_norms.begin(), lt.pre_sq_norms.end(), 0.0);
    lt.participation_ratio.resize(
        std::min<std::size_t>(k, static_cast<std::size_t>(layout.layers[l].out_units)));
    lt.gram_trace = 0.0;
    lt.gram_frobenius_sq = 0.0;
  }
  trace.has_backward = false;
  trace.grad_output_sq = 0.0;
  trace.grad_input_sq = 0.0;
  trace.nonfinite = false;
}

void NetworkImpl::finalize(Trace& trace) {
  for (int i = 0; i < layout.num_acc(); ++i) {
    const auto ui = static_cast<std::size_t>(i);
    TensorAccumulator& mg = merged[ui];
    mg.reset();
    PrecisionEvents ev;
    for (int s = 0; s < layout.slices; ++s) {
      mg.merge(acc[s][ui]);
      ev += events[s][ui];
    }
    acc_stats[ui] = mg.stats();
    if (cfg.precision == precision::Format::fp32) {  // fp32 storage: nothing rounds; count only
      ev.total = acc_stats[ui].count;
      ev.nan = acc_stats[ui].nan_count;
      ev.infinite = acc_stats[ui].inf_count;
    }
    merged_events[ui] = ev;
    if (acc_stats[ui].nan_count > 0 || acc_stats[ui].inf_count > 0) trace.nonfinite = true;
  }
  trace.input = acc_stats[0];
  // (Pre placement: layer 0 reads N(x_0), whose norms branch_input_slice recorded.)
  if (!trace.layers.empty() && !layout.pre_norm) {
    trace.layers[0].input_sq_norms = trace.input_sq_norms;
  }
  for (int l = 0; l < layout.num_layers; ++l) {
    const auto ul = static_cast<std::size_t>(l);
    const LayerLayout& li = layout.layers[ul];
    LayerTrace& lt = trace.layers[ul];
    lt.index = l;
    lt.block = li.block;
    lt.activated = li.activated;
    lt.in_units = li.in_units;
    lt.out_units = li.out_units;
    lt.fan_in = li.fan_in;
    lt.columns = li.z.cols;
    lt.input_second_moment = acc_stats[static_cast<std::size_t>(li.in_acc)].second_moment;
    lt.pre = acc_stats[static_cast<std::size_t>(li.pre_acc)];
    lt.pre_events = merged_events[static_cast<std::size_t>(li.pre_acc)];
    lt.norm = layout.has_norm ? acc_stats[static_cast<std::size_t>(li.norm_acc)] : TensorStats{};
    lt.norm_events =
        layout.has_norm ? merged_events[static_cast<std::size_t>(li.norm_acc)] : PrecisionEvents{};
    lt.post = acc_stats[static_cast<std::size_t>(li.post_acc)];
    lt.post_events =
        li.activated ? merged_events[static_cast<std::size_t>(li.post_acc)] : PrecisionEvents{};
    lt.weight_events = weight_events[ul];
    lt.bn_max_variance_error = cfg.layer_norm() == model::Norm::batchnorm ? bn_error(li) : 0.0;
    participation(l, lt);
    lt.grad_post_sq = lt.grad_pre_sq = lt.grad_weight_sq = lt.grad_input_sq = 0.0;
  }
  // Pairs (2i, 2i+1), or for transformers the sequences (token pairs within each).
  const auto pairs = static_cast<double>(layout.is_transformer ? layout.batch : layout.batch / 2);
  for (std::size_t u = 0; u < trace.pair_cosine.size(); ++u) {
    double sum = 0.0;
    for (int s = 0; s < layout.slices; ++s) sum += pair_sum[s][u];  // fixed order
    trace.pair_cosine[u] = sum / pairs;
  }
  if (layout.is_transformer) {
    finalize_transformer_blocks(trace);
    return;
  }
  for (int b = 0; b < layout.num_blocks; ++b) {
    const auto ub = static_cast<std::size_t>(b);
    BlockTrace& bt = trace.blocks[ub];
    bt.index = b;
    const LayerLayout& last =
        layout.layers[static_cast<std::size_t>((b + 1) * cfg.block_layers - 1)];
    bt.branch = acc_stats[static_cast<std::size_t>(last.post_acc)];
    bt.stream = acc_stats[static_cast<std::size_t>(layout.stream_acc[ub + 1])];
    bt.stream_events = merged_events[static_cast<std::size_t>(layout.stream_acc[ub + 1])];
    bt.branch_input = layout.pre_norm
                          ? acc_stats[static_cast<std::size_t>(layout.branch_input_acc[ub])]
                          : acc_stats[static_cast<std::size_t>(layout.stream_acc[ub])];
    bt.sum = layout.post_norm ? acc_stats[static_cast<std::size_t>(layout.sum_acc[ub])] : bt.stream;
    const PrecisionEvents none;
    bt.norm_events =
        layout.pre_norm    ? merged_events[static_cast<std::size_t>(layout.branch_input_acc[ub])]
        : layout.post_norm ? merged_events[static_cast<std::size_t>(layout.sum_acc[ub])]
                           : none;
    bt.grad_stream_sq = 0.0;
  }
  const int out_acc = layout.is_resnet ? layout.stream_acc.back() : layout.layers.back().post_acc;
  trace.output = acc_stats[static_cast<std::size_t>(out_acc)];
}

double NetworkImpl::bn_error(const LayerLayout& li) const {
  const TensorAccumulator& z = merged[static_cast<std::size_t>(li.pre_acc)];
  const TensorAccumulator& y = merged[static_cast<std::size_t>(li.norm_acc)];
  const auto n = static_cast<double>(z.columns);
  double worst = 0.0;
  for (std::size_t c = 0; c < z.row_sum.size(); ++c) {
    const double mz = z.row_sum[c] / n;
    const double vz = z.row_sumsq[c] / n - mz * mz;
    const double my = y.row_sum[c] / n;
    const double vy = y.row_sumsq[c] / n - my * my;
    const double err = std::abs(vy - vz / (vz + cfg.bn_eps));
    if (!(err <= worst)) worst = err;  // NaN propagates
  }
  return worst;
}

void NetworkImpl::participation(int l, LayerTrace& lt) const {
  const auto ul = static_cast<std::size_t>(l);
  const LayerLayout& li = layout.layers[ul];
  const TensorAccumulator& in = merged[static_cast<std::size_t>(li.in_acc)];
  const auto n = static_cast<double>(in.columns);
  const Eigen::MatrixXf& w = weights[ul];
  const Index k2 = layout.is_conv ? static_cast<Index>(cfg.kernel) * cfg.kernel : 1;
  const Index cin_g = li.in_units / (layout.is_conv ? cfg.groups : 1);
  const Index cout_g = li.out_units / (layout.is_conv ? cfg.groups : 1);
  for (std::size_t i = 0; i < lt.participation_ratio.size(); ++i) {
    const auto row = static_cast<Index>(i);
    const Index group = row / cout_g;
    double s1 = 0.0;
    double s2 = 0.0;
    for (Index j = 0; j < w.cols(); ++j) {
      const Index channel = group * cin_g + j / k2;
      const double wij = w(row, j);
      const double v = wij * wij * in.row_sumsq[static_cast<std::size_t>(channel)] / n;
      s1 += v;
      s2 += v * v;
    }
    lt.participation_ratio[i] = s2 > 0.0 ? s1 * s1 / s2 : 0.0;
  }
}

}  // namespace initcheck::engine::detail
