#pragma once
/// Internal: the families of comparable sweep cells a report figure draws together, and the
/// caption text naming them (report-private).

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "initcheck/sweep/sweep_results.hpp"

namespace initcheck::report::detail {

using sweep::CellResult;

/// Cells of one shape: same depth, width, batch, precision and tolerance.
struct ShapeKey {
  int depth;
  std::int64_t width;
  std::int64_t batch;
  std::string precision;
  double tolerance;
  auto operator<=>(const ShapeKey&) const = default;
};

/// Cells of one architecture family drawn together: every depth of one width and input shape.
struct FamilyKey {
  std::int64_t width;
  std::int64_t batch;
  double tolerance;
  int kernel;
  int spatial;
  std::int64_t tokens;
  auto operator<=>(const FamilyKey&) const = default;
};

/// Plain MLPs fed N(0,1) inputs: the cells whose per-layer curves are directly comparable.
bool plain_mlp(const CellResult& c);

ShapeKey shape_of(const CellResult& c);

/// Caption text of a plain-MLP shape, e.g. "mlp, depth 50, width 256, batch 256, fp32, …".
std::string describe_shape(const ShapeKey& k);

/// The family of `cells` with the most distinct (activation, init) pairs; ties go to the deeper,
/// then wider, then earlier family. Empty when `cells` is.
std::vector<const CellResult*> largest_shape_family(const std::vector<const CellResult*>& cells);

/// The cells of `results` that `keep` accepts, in index order.
std::vector<const CellResult*> select(const sweep::SweepResults& results,
                                      const std::function<bool(const CellResult&)>& keep);

/// fp32 cells of one architecture without normalization (transformers: with their LayerNorm),
/// fed N(0,1) inputs, with their per-layer curves: comparable across init schemes, activations
/// and depths.
bool plain_fp32(const CellResult& c, const std::string& arch);

FamilyKey family_of(const CellResult& c);

/// A line's label: the init scheme (with the branch scale for residual networks, and the
/// LayerNorm placement and a dropped skip for transformers).
std::string series_label(const claims::CheckRequest& r);

/// The family of `cells` with the most distinct (activation, label) pairs; ties go to the one
/// with more cells, then the wider, then the earlier. Empty when `cells` is.
std::vector<const CellResult*> largest_family(const std::vector<const CellResult*>& cells);

/// Caption text of an architecture family at the given depths, e.g. "conv, width 64 (kernel 3,
/// 8×8 input), depths 10, 50, batch 256, fp32, no normalization, N(0,1) input".
std::string describe_family(const std::string& arch, const FamilyKey& k,
                            const std::set<int>& depths);

}  // namespace initcheck::report::detail
