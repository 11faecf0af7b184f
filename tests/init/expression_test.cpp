// Expr::evaluate reuses one compiled parser per expression text and thread: the values must be
// those of a fresh evaluation whatever the order, the number of texts (beyond the cache's 64)
// and the thread.
#include "initcheck/init/expression.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace initcheck::init {
namespace {

/// Expression k and its value on dense_fan(fan_in, 1, layer): k + fan_in·layer.
std::string text_of(int k) {
  return std::to_string(k) + " + fan_in * layer";
}

/// Evaluates 100 texts (more than the cache holds) over several layers, interleaved, and
/// counts wrong values; exact comparison, since the sums are small integers.
int wrong_values(int offset) {
  std::vector<Expr> exprs;
  for (int k = 0; k < 100; ++k) exprs.push_back(Expr::parse(text_of(k + offset)));
  int wrong = 0;
  for (int layer = 0; layer < 3; ++layer) {
    for (int k = 0; k < 100; ++k) {
      const FanInfo fan = dense_fan(7, 1, layer, 3);
      const double expected = k + offset + 7.0 * layer;
      if (exprs[static_cast<std::size_t>(k)].evaluate(fan) != expected) ++wrong;
    }
  }
  return wrong;
}

TEST(Expression, CachedParsersGiveFreshValuesAcrossTextsLayersAndThreads) {
  EXPECT_EQ(wrong_values(0), 0);
  EXPECT_EQ(wrong_values(0), 0);  // second pass: cached parsers, some evicted

  int wrong_a = -1;
  int wrong_b = -1;
  std::thread a([&] { wrong_a = wrong_values(1000); });
  std::thread b([&] { wrong_b = wrong_values(2000); });
  a.join();
  b.join();
  EXPECT_EQ(wrong_a, 0);
  EXPECT_EQ(wrong_b, 0);
}

TEST(Expression, EvaluationErrorsRepeatFromTheCache) {
  const Expr e = Expr::parse("1 / (layer - 2)");
  const FanInfo at_pole = dense_fan(4, 4, 2, 3);
  EXPECT_THROW((void)e.evaluate(at_pole), InputError);
  EXPECT_THROW((void)e.evaluate(at_pole), InputError);
  EXPECT_DOUBLE_EQ(e.evaluate(dense_fan(4, 4, 3, 4)), 1.0);
}

}  // namespace
}  // namespace initcheck::init
