#include "initcheck/init/builtin_schemes.hpp"

#include "initcheck/init/detail/law_scheme.hpp"

namespace initcheck::init {

void register_builtin_schemes(Registry& registry) {
  detail::register_fan_schemes(registry);
  detail::register_orthogonal(registry);
  detail::register_delta_orthogonal(registry);
  detail::register_identity(registry);
  detail::register_explicit_schemes(registry);
}

const Registry& builtin_registry() {
  static const Registry registry = [] {
    Registry r;
    register_builtin_schemes(r);
    return r;
  }();
  return registry;
}

}  // namespace initcheck::init
