#include "initcheck/init/detail/centre_tap.hpp"

#include <cmath>
#include <string>

#include "initcheck/core/error.hpp"

namespace initcheck::init::detail {

std::int64_t kernel_side(const FanInfo& fan) {
  const auto k = static_cast<std::int64_t>(std::llround(std::sqrt(fan.receptive_field)));
  if (k * k != fan.receptive_field) {
    throw InputError("receptive_field=" + std::to_string(fan.receptive_field) +
                     " is not k² for a square kernel, so it has no centre tap");
  }
  return k;
}

void fill_centre_tap(const FanInfo& fan, Eigen::Ref<Eigen::MatrixXf> weights,
                     const std::function<void(Eigen::Ref<Eigen::MatrixXf>)>& fill_block) {
  const std::int64_t k = kernel_side(fan);
  if (k == 1 && fan.groups == 1) {
    fill_block(weights);
    return;
  }
  weights.setZero();
  const std::int64_t block_rows = fan.out_units / fan.groups;
  const std::int64_t block_cols = fan.in_units / fan.groups;
  const std::int64_t centre = (k / 2) * k + k / 2;  // offset of tap (⌊k/2⌋, ⌊k/2⌋) in a channel
  Eigen::MatrixXf block(block_rows, block_cols);
  for (std::int64_t g = 0; g < fan.groups; ++g) {
    fill_block(block);
    for (std::int64_t i = 0; i < block_rows; ++i) {
      for (std::int64_t j = 0; j < block_cols; ++j) {
        weights(g * block_rows + i, j * fan.receptive_field + centre) = block(i, j);
      }
    }
  }
}

}  // namespace initcheck::init::detail
