// Uses the installed library through its public headers only.
#include <cstdio>

#include "initcheck/nn/activation.hpp"
#include "initcheck/rng/distributions.hpp"

int main() {
  initcheck::rng::Engine engine(1);
  const double z = initcheck::rng::standard_normal(engine);
  const auto relu = initcheck::nn::Activation::parse("relu");
  if (relu.value(-1.0) != 0.0 || !(z == z)) return 1;
  std::puts("consumer: ok");
  return 0;
}
