// conv2d by im2col + GEMM. The im2col matrix has one column per output pixel (same column
// order as z) and rows ordered (group, ky, kx, channel-in-group), so that each (ky, kx) tap
// copies a contiguous run of channels (x stores the channels of a pixel contiguously). The
// OIHW weights are permuted into the same (ky, kx, c) column order in the workspace.

#include <algorithm>
#include <string>

#include "initcheck/core/error.hpp"
#include "initcheck/nn/gemm.hpp"
#include "initcheck/nn/layers.hpp"

namespace initcheck::nn {
namespace {

using Eigen::Index;
using MatMap = Eigen::Map<Eigen::MatrixXf>;

/// Upper bound on the floats of one im2col chunk (4 MiB); a chunk holds at least one sample.
constexpr std::int64_t kChunkFloats = std::int64_t{1} << 20;

struct Geometry {
  Index cin_g, cout_g, k, taps, k_g, k_total, out_pixels, in_pixels, chunk;
  bool pointwise;
};

Geometry geometry(const Conv2dShape& s) {
  if (s.in_channels < 1 || s.out_channels < 1 || s.kernel < 1 || s.stride < 1 || s.padding < 0 ||
      s.groups < 1 || s.height < 1 || s.width < 1 || s.batch < 1) {
    throw InputError("conv2d: channels, kernel, stride, groups, size and batch must be positive");
  }
  if (s.in_channels % s.groups != 0 || s.out_channels % s.groups != 0) {
    throw InputError("conv2d: groups (" + std::to_string(s.groups) +
                     ") must divide in_channels and out_channels");
  }
  if (s.height + 2 * s.padding < s.kernel || s.width + 2 * s.padding < s.kernel) {
    throw InputError("conv2d: kernel " + std::to_string(s.kernel) +
                     " is larger than the padded input");
  }
  Geometry g{};
  g.cin_g = s.in_channels / s.groups;
  g.cout_g = s.out_channels / s.groups;
  g.k = s.kernel;
  g.taps = g.k * g.k;
  g.k_g = g.cin_g * g.taps;
  g.k_total = s.in_channels * g.taps;
  g.out_pixels = Index{s.out_height()} * s.out_width();
  g.in_pixels = Index{s.height} * s.width;
  g.chunk = std::clamp<Index>(kChunkFloats / (g.k_total * g.out_pixels), 1, s.batch);
  g.pointwise = s.kernel == 1 && s.stride == 1 && s.padding == 0;
  return g;
}

void check(bool ok, const char* message) {
  if (!ok) throw std::invalid_argument(message);
}

/// col (k_total × nb·out_pixels) = im2col of samples [b0, b0 + nb) of x.
void im2col(const Conv2dShape& s, const Geometry& g, const ConstMatRef& x, Index b0, Index nb,
            float* col) {
  const int oh = s.out_height();
  const int ow = s.out_width();
  const Index ldx = x.outerStride();
  for (Index bl = 0; bl < nb; ++bl) {
    const Index b = b0 + bl;
    for (int oy = 0; oy < oh; ++oy) {
      for (int ox = 0; ox < ow; ++ox) {
        float* dst = col + ((bl * oh + oy) * ow + ox) * g.k_total;
        for (Index grp = 0; grp < s.groups; ++grp) {
          for (int ky = 0; ky < s.kernel; ++ky) {
            const int iy = oy * s.stride - s.padding + ky;
            for (int kx = 0; kx < s.kernel; ++kx) {
              const int ix = ox * s.stride - s.padding + kx;
              float* d = dst + grp * g.k_g + (ky * s.kernel + kx) * g.cin_g;
              if (iy < 0 || iy >= s.height || ix < 0 || ix >= s.width) {
                std::fill_n(d, g.cin_g, 0.0f);
              } else {
                const float* src =
                    x.data() + ((b * s.height + iy) * s.width + ix) * ldx + grp * g.cin_g;
                std::copy_n(src, g.cin_g, d);
              }
            }
          }
        }
      }
    }
  }
}

/// grad_x samples [b0, b0 + nb) = col2im(col): scatter-add of the im2col layout.
void col2im(const Conv2dShape& s, const Geometry& g, const float* col, Index b0, Index nb,
            MatRef grad_x) {
  const int oh = s.out_height();
  const int ow = s.out_width();
  const Index ldx = grad_x.outerStride();
  grad_x.middleCols(b0 * g.in_pixels, nb * g.in_pixels).setZero();
  for (Index bl = 0; bl < nb; ++bl) {
    const Index b = b0 + bl;
    for (int oy = 0; oy < oh; ++oy) {
      for (int ox = 0; ox < ow; ++ox) {
        const float* src_col = col + ((bl * oh + oy) * ow + ox) * g.k_total;
        for (Index grp = 0; grp < s.groups; ++grp) {
          for (int ky = 0; ky < s.kernel; ++ky) {
            const int iy = oy * s.stride - s.padding + ky;
            if (iy < 0 || iy >= s.height) continue;
            for (int kx = 0; kx < s.kernel; ++kx) {
              const int ix = ox * s.stride - s.padding + kx;
              if (ix < 0 || ix >= s.width) continue;
              const float* src = src_col + grp * g.k_g + (ky * s.kernel + kx) * g.cin_g;
              float* dst =
                  grad_x.data() + ((b * s.height + iy) * s.width + ix) * ldx + grp * g.cin_g;
              for (Index c = 0; c < g.cin_g; ++c) dst[c] += src[c];
            }
          }
        }
      }
    }
  }
}

/// Column index of OIHW weight (c, ky, kx) and of its permuted (ky, kx, c) position.
Index oihw_col(const Geometry& g, Index c, Index tap) {
  return c * g.taps + tap;
}
Index tap_major_col(const Geometry& g, Index c, Index tap) {
  return tap * g.cin_g + c;
}

}  // namespace

std::int64_t Conv2dShape::workspace_size() const {
  const Geometry g = geometry(*this);
  if (g.pointwise) return 0;
  return 2 * out_channels * g.k_g + g.k_total * g.chunk * g.out_pixels;
}

void conv2d_forward(const Conv2dShape& shape, const ConstMatRef& weights, const ConstVecRef& bias,
                    const ConstMatRef& x, MatRef z, Eigen::Ref<Eigen::VectorXf> workspace) {
  const Geometry g = geometry(shape);
  check(weights.rows() == shape.out_channels && weights.cols() == g.k_g,
        "conv2d_forward: weights must be out_channels × (in_channels/groups·k·k)");
  check(x.rows() == shape.in_channels && x.cols() == shape.batch * g.in_pixels,
        "conv2d_forward: x must be in_channels × (batch·H·W)");
  check(z.rows() == shape.out_channels && z.cols() == shape.batch * g.out_pixels,
        "conv2d_forward: z must be out_channels × (batch·H'·W')");
  check(bias.size() == 0 || bias.size() == shape.out_channels, "conv2d_forward: bias size");
  check(workspace.size() >= shape.workspace_size(), "conv2d_forward: workspace too small");

  if (g.pointwise) {
    for (Index grp = 0; grp < shape.groups; ++grp) {
      gemm(1.0f, weights.middleRows(grp * g.cout_g, g.cout_g), false,
           x.middleRows(grp * g.cin_g, g.cin_g), false, 0.0f,
           z.middleRows(grp * g.cout_g, g.cout_g));
    }
  } else {
    MatMap wp(workspace.data(), shape.out_channels, g.k_g);
    for (Index c = 0; c < g.cin_g; ++c) {
      for (Index tap = 0; tap < g.taps; ++tap) {
        wp.col(tap_major_col(g, c, tap)) = weights.col(oihw_col(g, c, tap));
      }
    }
    float* col_data = workspace.data() + 2 * shape.out_channels * g.k_g;
    for (Index b0 = 0; b0 < shape.batch; b0 += g.chunk) {
      const Index nb = std::min<Index>(g.chunk, shape.batch - b0);
      const Index ncols = nb * g.out_pixels;
      im2col(shape, g, x, b0, nb, col_data);
      const MatMap col(col_data, g.k_total, ncols);
      for (Index grp = 0; grp < shape.groups; ++grp) {
        gemm(1.0f, wp.middleRows(grp * g.cout_g, g.cout_g), false,
             col.middleRows(grp * g.k_g, g.k_g), false, 0.0f,
             z.block(grp * g.cout_g, b0 * g.out_pixels, g.cout_g, ncols));
      }
    }
  }
  if (bias.size() != 0) z.colwise() += bias;
}

void conv2d_backward(const Conv2dShape& shape, const ConstMatRef& weights, const ConstMatRef& x,
                     const ConstMatRef& grad_z, MatRef grad_x, MatRef grad_w, VecRef grad_b,
                     Eigen::Ref<Eigen::VectorXf> workspace) {
  const Geometry g = geometry(shape);
  check(weights.rows() == shape.out_channels && weights.cols() == g.k_g,
        "conv2d_backward: weights must be out_channels × (in_channels/groups·k·k)");
  check(x.rows() == shape.in_channels && x.cols() == shape.batch * g.in_pixels,
        "conv2d_backward: x must be in_channels × (batch·H·W)");
  check(grad_z.rows() == shape.out_channels && grad_z.cols() == shape.batch * g.out_pixels,
        "conv2d_backward: grad_z must be out_channels × (batch·H'·W')");
  check(grad_x.size() == 0 || (grad_x.rows() == x.rows() && grad_x.cols() == x.cols()),
        "conv2d_backward: grad_x must be empty or shaped like x");
  check(grad_w.size() == 0 || (grad_w.rows() == weights.rows() && grad_w.cols() == weights.cols()),
        "conv2d_backward: grad_w must be empty or shaped like weights");
  check(grad_b.size() == 0 || grad_b.size() == shape.out_channels, "conv2d_backward: grad_b size");
  check(workspace.size() >= shape.workspace_size(), "conv2d_backward: workspace too small");

  if (grad_b.size() != 0) grad_b.noalias() = grad_z.rowwise().sum();
  const bool want_x = grad_x.size() != 0;
  const bool want_w = grad_w.size() != 0;

  if (g.pointwise) {
    for (Index grp = 0; grp < shape.groups; ++grp) {
      const Index o0 = grp * g.cout_g;
      const Index i0 = grp * g.cin_g;
      if (want_w) {
        gemm(1.0f, grad_z.middleRows(o0, g.cout_g), false, x.middleRows(i0, g.cin_g), true, 0.0f,
             grad_w.middleRows(o0, g.cout_g));
      }
      if (want_x) {
        gemm(1.0f, weights.middleRows(o0, g.cout_g), true, grad_z.middleRows(o0, g.cout_g), false,
             0.0f, grad_x.middleRows(i0, g.cin_g));
      }
    }
    return;
  }

  MatMap wp(workspace.data(), shape.out_channels, g.k_g);
  MatMap gwp(workspace.data() + shape.out_channels * g.k_g, shape.out_channels, g.k_g);
  float* col_data = workspace.data() + 2 * shape.out_channels * g.k_g;
  if (want_x) {
    for (Index c = 0; c < g.cin_g; ++c) {
      for (Index tap = 0; tap < g.taps; ++tap) {
        wp.col(tap_major_col(g, c, tap)) = weights.col(oihw_col(g, c, tap));
      }
    }
  }
  for (Index b0 = 0; b0 < shape.batch; b0 += g.chunk) {
    const Index nb = std::min<Index>(g.chunk, shape.batch - b0);
    const Index ncols = nb * g.out_pixels;
    MatMap col(col_data, g.k_total, ncols);
    if (want_w) im2col(shape, g, x, b0, nb, col_data);
    for (Index grp = 0; grp < shape.groups; ++grp) {
      const ConstMatRef dz = grad_z.block(grp * g.cout_g, b0 * g.out_pixels, g.cout_g, ncols);
      if (want_w) {
        gemm(1.0f, dz, false, col.middleRows(grp * g.k_g, g.k_g), true, b0 == 0 ? 0.0f : 1.0f,
             gwp.middleRows(grp * g.cout_g, g.cout_g));
      }
      if (want_x) {
        gemm(1.0f, wp.middleRows(grp * g.cout_g, g.cout_g), true, dz, false, 0.0f,
             col.middleRows(grp * g.k_g, g.k_g));
      }
    }
    if (want_x) col2im(shape, g, col_data, b0, nb, grad_x);
  }
  if (want_w) {
    for (Index c = 0; c < g.cin_g; ++c) {
      for (Index tap = 0; tap < g.taps; ++tap) {
        grad_w.col(oihw_col(g, c, tap)) = gwp.col(tap_major_col(g, c, tap));
      }
    }
  }
}

}  // namespace initcheck::nn
