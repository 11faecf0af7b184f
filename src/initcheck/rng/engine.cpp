#include "initcheck/rng/engine.hpp"

#include <stdexcept>

namespace initcheck::rng {
namespace {

constexpr std::uint32_t kM0 = 0xD2511F53U;
constexpr std::uint32_t kM1 = 0xCD9E8D57U;
constexpr std::uint32_t kW0 = 0x9E3779B9U;
constexpr std::uint32_t kW1 = 0xBB67AE85U;

}  // namespace

std::array<std::uint32_t, 4> philox4x32_10(std::array<std::uint32_t, 4> c,
                                           std::array<std::uint32_t, 2> k) {
  for (int round = 0; round < 10; ++round) {
    const std::uint64_t p0 = static_cast<std::uint64_t>(kM0) * c[0];
    const std::uint64_t p1 = static_cast<std::uint64_t>(kM1) * c[2];
    const auto hi0 = static_cast<std::uint32_t>(p0 >> 32U);
    const auto lo0 = static_cast<std::uint32_t>(p0);
    const auto hi1 = static_cast<std::uint32_t>(p1 >> 32U);
    const auto lo1 = static_cast<std::uint32_t>(p1);
    c = {hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0};
    k[0] += kW0;
    k[1] += kW1;
  }
  return c;
}

void philox4x32_10_batch(std::uint64_t seed, std::uint64_t stream, std::uint64_t first,
                         std::size_t count, BlockBatch& out) {
  if (count > BlockBatch::kBlocks) throw std::invalid_argument("philox batch larger than kBlocks");
  // Rounds outermost over the structure-of-arrays batch: each round is one independent loop over
  // the blocks, which GCC vectorizes 8 blocks wide (x86-64-v3; widening products as vpmuludq)
  // with no dependency chain between blocks. Measured ≈ 1.8× the throughput of the per-block
  // loop with the rounds innermost, and faster than hand-written AVX2 intrinsics of that loop.
  auto& w = out.words;
  for (std::size_t j = 0; j < count; ++j) {
    const std::uint64_t position = first + j;
    w[0][j] = static_cast<std::uint32_t>(position);
    w[1][j] = static_cast<std::uint32_t>(position >> 32U);
    w[2][j] = static_cast<std::uint32_t>(stream);
    w[3][j] = static_cast<std::uint32_t>(stream >> 32U);
  }
  auto k0 = static_cast<std::uint32_t>(seed);
  auto k1 = static_cast<std::uint32_t>(seed >> 32U);
  for (int round = 0; round < 10; ++round) {
    for (std::size_t j = 0; j < count; ++j) {
      const std::uint64_t p0 = std::uint64_t{kM0} * w[0][j];
      const std::uint64_t p1 = std::uint64_t{kM1} * w[2][j];
      const std::uint32_t c0 = static_cast<std::uint32_t>(p1 >> 32U) ^ w[1][j] ^ k0;
      const std::uint32_t c2 = static_cast<std::uint32_t>(p0 >> 32U) ^ w[3][j] ^ k1;
      w[0][j] = c0;
      w[1][j] = static_cast<std::uint32_t>(p1);
      w[2][j] = c2;
      w[3][j] = static_cast<std::uint32_t>(p0);
    }
    k0 += kW0;
    k1 += kW1;
  }
}

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27U)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31U);
}

Engine Engine::split(std::uint64_t id) const {
  return Engine(seed_, splitmix64(splitmix64(stream_) ^ id));
}

void Engine::refill() {
  const std::array<std::uint32_t, 4> counter{
      static_cast<std::uint32_t>(position_), static_cast<std::uint32_t>(position_ >> 32U),
      static_cast<std::uint32_t>(stream_), static_cast<std::uint32_t>(stream_ >> 32U)};
  const std::array<std::uint32_t, 2> key{static_cast<std::uint32_t>(seed_),
                                         static_cast<std::uint32_t>(seed_ >> 32U)};
  block_ = philox4x32_10(counter, key);
  ++position_;
  used_ = 0;
}

std::uint32_t Engine::next_u32() {
  if (used_ == 4) refill();
  return block_[static_cast<std::size_t>(used_++)];
}

std::array<std::uint32_t, 4> Engine::next_block() {
  refill();
  used_ = 4;
  return block_;
}

void Engine::next_blocks(BlockBatch& out, std::size_t count) {
  philox4x32_10_batch(seed_, stream_, position_, count, out);
  position_ += count;
  used_ = 4;
}

std::uint64_t Engine::next_u64() {
  const std::uint64_t hi = next_u32();
  return (hi << 32U) | next_u32();
}

}  // namespace initcheck::rng
