#include "initcheck/rng/engine.hpp"

#include <gtest/gtest.h>

#include <set>

namespace initcheck::rng {
namespace {

// Known answers from Random123's kat_vectors (philox4x32, 10 rounds).
TEST(Philox, KnownAnswerZero) {
  const auto out = philox4x32_10({0, 0, 0, 0}, {0, 0});
  EXPECT_EQ(out, (std::array<std::uint32_t, 4>{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
}

TEST(Philox, KnownAnswerOnes) {
  const auto out =
      philox4x32_10({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff});
  EXPECT_EQ(out, (std::array<std::uint32_t, 4>{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
}

TEST(Philox, KnownAnswerPi) {
  const auto out =
      philox4x32_10({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0});
  EXPECT_EQ(out, (std::array<std::uint32_t, 4>{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

TEST(Engine, SameSeedSameStream) {
  Engine a(42);
  Engine b(42);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.next_u32(), b.next_u32());
}

TEST(Engine, DifferentSeedsDiffer) {
  Engine a(1);
  Engine b(2);
  int equal = 0;
  for (int i = 0; i < 1000; ++i) equal += a.next_u32() == b.next_u32() ? 1 : 0;
  // Each pair is equal with probability 2⁻³²; 1000 draws give > 3 matches with p < 1e-25.
  EXPECT_LE(equal, 3);
}

TEST(Engine, SplitIsPureAndIgnoresParentPosition) {
  Engine parent(7);
  const Engine child_before = parent.split(3);
  for (int i = 0; i < 10; ++i) parent.next_u64();
  Engine c1 = child_before;
  Engine c2 = parent.split(3);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(c1.next_u64(), c2.next_u64());
}

TEST(Engine, SplitStreamsAreDistinct) {
  const Engine root(99);
  std::set<std::uint64_t> firsts;
  for (std::uint64_t id = 0; id < 1000; ++id) {
    Engine child = root.split(id);
    firsts.insert(child.next_u64());
    firsts.insert(root.split(id).split(0).next_u64());
  }
  // 2000 64-bit draws collide with probability < 2000²/2⁶⁵ ≈ 1e-13.
  EXPECT_EQ(firsts.size(), 2000U);
}

}  // namespace
}  // namespace initcheck::rng
