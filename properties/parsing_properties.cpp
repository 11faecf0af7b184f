// Parsers never crash: any string either parses or throws InputError with a message.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "initcheck/core/error.hpp"
#include "initcheck/nn/activation.hpp"

namespace initcheck {
namespace {

RC_GTEST_PROP(ActivationParser, AnyStringParsesOrThrowsInputError, (const std::string& text)) {
  try {
    const nn::Activation a = nn::Activation::parse(text);
    RC_ASSERT(nn::Activation::parse(a.name()).name() == a.name());
  } catch (const InputError& e) {
    RC_ASSERT(std::string(e.what()).size() > 0U);
  }
}

}  // namespace
}  // namespace initcheck
