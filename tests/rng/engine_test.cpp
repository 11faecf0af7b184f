#include "initcheck/rng/engine.hpp"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>
#include <vector>

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

// The vectorized batch is the scalar block function, block by block, including the carry of the
// counter's low word into its high word (first = 2³² − 3).
TEST(Philox, BatchMatchesScalarBlocks) {
  for (const std::uint64_t first :
       {std::uint64_t{0}, std::uint64_t{0xFFFFFFFD}, ~std::uint64_t{0} - 200}) {
    const std::uint64_t seed = 0x243f6a8885a308d3ULL;
    const std::uint64_t stream = 0x13198a2e03707344ULL;
    BlockBatch batch;
    philox4x32_10_batch(seed, stream, first, BlockBatch::kBlocks, batch);
    for (std::size_t j = 0; j < BlockBatch::kBlocks; ++j) {
      const std::uint64_t pos = first + j;
      const auto expected = philox4x32_10(
          {static_cast<std::uint32_t>(pos), static_cast<std::uint32_t>(pos >> 32U),
           static_cast<std::uint32_t>(stream), static_cast<std::uint32_t>(stream >> 32U)},
          {static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32U)});
      for (std::size_t w = 0; w < 4; ++w) ASSERT_EQ(batch.words[w][j], expected[w]) << j;
    }
  }
}

TEST(Philox, BatchKnownAnswer) {
  // Random123's "pi" vector as the single block of a batch: counter (0x85a308d3243f6a88,
  // 0x0370734413198a2e), key 0x299f31d0a4093822.
  BlockBatch batch;
  philox4x32_10_batch(0x299f31d0a4093822ULL, 0x0370734413198a2eULL, 0x85a308d3243f6a88ULL, 1,
                      batch);
  const std::array<std::uint32_t, 4> expected{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1};
  for (std::size_t w = 0; w < 4; ++w) EXPECT_EQ(batch.words[w][0], expected[w]);
}

TEST(Engine, BlockCallsFollowTheWordStream) {
  // next_block/next_blocks hand out the same blocks next_u32 would, after skipping the unread
  // words of a partly consumed block.
  Engine words(11, 5);
  std::vector<std::uint32_t> stream(std::size_t{4} * 300);
  for (auto& w : stream) w = words.next_u32();

  Engine blocks(11, 5);
  EXPECT_EQ(blocks.next_u32(), stream[0]);  // block 0 partly consumed; the rest is skipped
  const auto b1 = blocks.next_block();
  for (std::size_t w = 0; w < 4; ++w) EXPECT_EQ(b1[w], stream[4 + w]);
  BlockBatch batch;
  blocks.next_blocks(batch, BlockBatch::kBlocks);  // blocks 2 … 129
  blocks.next_blocks(batch, 7);                    // blocks 130 … 136
  for (std::size_t j = 0; j < 7; ++j) {
    for (std::size_t w = 0; w < 4; ++w) ASSERT_EQ(batch.words[w][j], stream[4 * (130 + j) + w]);
  }
  EXPECT_EQ(blocks.next_u32(), stream[std::size_t{4} * 137]);
  EXPECT_THROW(blocks.next_blocks(batch, BlockBatch::kBlocks + 1), std::invalid_argument);
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
