#pragma once
/// The built-in init schemes of README, "The command line".

#include "initcheck/init/registry.hpp"

namespace initcheck::init {

/// Registers kaiming_normal, kaiming_uniform, xavier_normal, xavier_uniform, lecun_normal,
/// lecun_uniform, variance_scaling, torch_default, orthogonal, delta_orthogonal, identity,
/// normal, uniform, truncated_normal and zeros.
void register_builtin_schemes(Registry& registry);

/// One registry holding the built-in schemes, built on first use (thread-safe).
const Registry& builtin_registry();

}  // namespace initcheck::init
