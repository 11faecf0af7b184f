#pragma once
/// Kernels that are zero except at the centre tap (delta_orthogonal, identity), private to init.

#include <Eigen/Core>
#include <cstdint>
#include <functional>

#include "initcheck/core/fan_info.hpp"

namespace initcheck::init::detail {

/// The square kernel side k (receptive_field = k²); throws InputError when it is not a square.
std::int64_t kernel_side(const FanInfo& fan);

/// Fills `weights` (fan.rows() × fan.cols(), OIHW flattened) with zeros except the centre tap
/// (⌊k/2⌋, ⌊k/2⌋) — the centre for odd k, the tap aligned with "same" padding for even k. Per
/// group g the (out_units/groups) × (in_units/groups) block at that tap is filled by
/// `fill_block` (called once per group, in group order). A dense layer (k = 1, groups = 1) is
/// one block: the whole matrix.
void fill_centre_tap(const FanInfo& fan, Eigen::Ref<Eigen::MatrixXf> weights,
                     const std::function<void(Eigen::Ref<Eigen::MatrixXf>)>& fill_block);

}  // namespace initcheck::init::detail
