#pragma once
/// Splittable counter-based random engine: Philox-4x32-10 (Salmon et al., SC'11, "Parallel
/// random numbers: as easy as 1, 2, 3").

#include <array>
#include <cstddef>
#include <cstdint>

namespace initcheck::rng {

/// Philox-4x32-10 block function: encrypts a 128-bit counter under a 64-bit key.
std::array<std::uint32_t, 4> philox4x32_10(std::array<std::uint32_t, 4> counter,
                                           std::array<std::uint32_t, 2> key);

/// Up to kBlocks consecutive Philox blocks in structure-of-arrays form: word w of block j is
/// words[w][j], so the samplers' per-block loops vectorize. 2 KiB; meant to live on the stack.
struct BlockBatch {
  static constexpr std::size_t kBlocks = 128;
  std::array<std::array<std::uint32_t, kBlocks>, 4> words{};
};

/// The Philox blocks of counters (first + j, stream) under key `seed`, j < count ≤ kBlocks,
/// written to `out` (counter words: low/high 32 bits of first + j, then of stream). Bit-identical
/// to philox4x32_10 block by block; the loop over j vectorizes (32×32→64-bit multiplies as
/// vpmuludq on x86-64-v3).
void philox4x32_10_batch(std::uint64_t seed, std::uint64_t stream, std::uint64_t first,
                         std::size_t count, BlockBatch& out);

/// A stream of random bits identified by (seed, stream id). The counter's low 64 bits are the
/// position in the stream, its high 64 bits the stream id, and the key is the seed, so every
/// (seed, stream, position) triple maps to independent-looking bits and any draw can be
/// reproduced without replaying the ones before it. Same seed → bit-identical draws everywhere.
///
/// Word order: next_u32 returns the 4 words of block 0, then of block 1, …; next_u64 is two
/// next_u32 (first one high). The block-wise calls (next_block, next_blocks) first discard the
/// unread words of a partly consumed block, then hand out whole blocks in order.
class Engine {
 public:
  explicit Engine(std::uint64_t seed, std::uint64_t stream = 0) : seed_(seed), stream_(stream) {}

  /// A child engine whose stream is a pure function of (this stream, id); the parent's position
  /// is untouched. Children of different ids (or of different parents) do not overlap except
  /// with probability ~2⁻⁶⁴ per pair (the stream id is a 64-bit SplitMix64 hash).
  [[nodiscard]] Engine split(std::uint64_t id) const;

  /// Next 32 random bits.
  std::uint32_t next_u32();
  /// Next 64 random bits.
  std::uint64_t next_u64();

  /// Next whole block (unread words of the current block are skipped).
  std::array<std::uint32_t, 4> next_block();
  /// Next `count` ≤ BlockBatch::kBlocks whole blocks into `out` (unread words of the current
  /// block are skipped). Same blocks as `count` calls of next_block, computed vectorized.
  void next_blocks(BlockBatch& out, std::size_t count);

  [[nodiscard]] std::uint64_t seed() const { return seed_; }
  [[nodiscard]] std::uint64_t stream() const { return stream_; }

 private:
  void refill();

  std::uint64_t seed_;
  std::uint64_t stream_;
  std::uint64_t position_ = 0;  ///< index of the next 128-bit block
  std::array<std::uint32_t, 4> block_{};
  int used_ = 4;  ///< words of block_ already consumed
};

/// SplitMix64 finalizer (Steele, Lea & Flood 2014): a bijective 64-bit mixer.
std::uint64_t splitmix64(std::uint64_t x);

}  // namespace initcheck::rng
