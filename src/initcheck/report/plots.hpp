#pragma once
/// Signal-propagation figures built from the per-layer curves of sweep results.

#include <string>
#include <vector>

#include "initcheck/report/svg_plot.hpp"
#include "initcheck/sweep/sweep_results.hpp"

namespace initcheck::report {

/// A figure with the file name it is written to and the text the Markdown shows with it.
struct NamedFigure {
  std::string file;     ///< relative file name, e.g. `forward-std.svg`
  std::string heading;  ///< short title for the report section
  std::string alt;      ///< image alt text
  std::string caption;  ///< plain text: which family of cells the lines come from
  Figure figure;
};

/// The report's plots, each drawn from one comparable family of cells (e.g. mlp, one width,
/// fp32, no normalization) named in its title:
///   forward-std.svg       activation std per layer (mlp), one panel per activation, one line
///                         per init (shallower cells of a scheme: thin lines); the y-range is
///                         clipped so exploded/vanished cells are marked at the edge
///   forward-std-conv.svg, forward-std-resnet.svg   the same for conv and resnet cells
///   width-sweep.svg       activation std against width at fixed depth (coordinate check)
///   gradient-std.svg      the gradient std per layer (backward, mlp)
///   precision-events.svg  fp16 (else bf16) flush/subnormal/overflow fractions per layer
///   drift-band.svg        5–95 % band of std_l/std_0 over replicates vs Hanin–Rolnick
/// Figures without data in `results` are left out.
std::vector<NamedFigure> build_plots(const sweep::SweepResults& results);

/// Every file name build_plots can produce (to check them before a run).
std::vector<std::string> plot_file_names();

}  // namespace initcheck::report
