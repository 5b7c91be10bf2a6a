// The simulated memories (memories.h).
#include "simulator/memories.h"

#include <algorithm>
#include <stdexcept>

#if defined(__linux__)
#include <sys/mman.h>
#endif
#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace nk {

void Memories::populate_backwards() const {
  sbuf.populate_backwards();
  sbuf_written.buffer().populate_backwards();
  psum.populate_backwards();
  psum_written.buffer().populate_backwards();
}

Memories::Memories(const Target &target, llvm::MutableArrayRef<uint8_t> hbm_image)
    : hbm(hbm_image), sbuf_partition_bytes(target.sbuf_bytes_per_partition),
      psum_partition_bytes(target.psum_bytes_per_partition), sbuf_row_stride(target.sbuf_bytes_per_partition + kRowPad),
      psum_row_stride(target.psum_bytes_per_partition + kRowPad),
      sbuf(sbuf_row_stride * target.partitions, /*huge_pages=*/true),
      psum(psum_row_stride * target.partitions, /*huge_pages=*/true),
      sbuf_written(target.partitions, target.sbuf_bytes_per_partition),
      psum_written(target.partitions, target.psum_bytes_per_partition) {}

WrittenMap::WrittenMap(unsigned partitions, uint64_t partition_bytes)
    : partitions_(partitions), partition_bytes_(partition_bytes),
      complete_((partition_bytes + kBlockBytes * 64 - 1) / (kBlockBytes * 64), 0),
      words_(partition_bytes * kWords * sizeof(uint64_t), /*huge_pages=*/true) {
  if (partitions > 64 * kWords) throw std::length_error("WrittenMap: more than 128 partitions");
}

void WrittenMap::mask(unsigned p_lo, unsigned p_hi, uint64_t m[kWords]) const {
  for (unsigned w = 0; w < kWords; ++w) {
    const unsigned lo = std::max(p_lo, 64 * w), hi = std::min(p_hi, 64 * w + 64);
    m[w] = lo >= hi ? 0 : (~uint64_t(0) >> (64 - (hi - lo))) << (lo - 64 * w);
  }
}

namespace {

// The loops of set() and all_set() over n byte offsets of a two-word-per-
// offset map: at -O2 GCC vectorises them 16 bytes (one offset) at a time;
// with AVX-512 four offsets go in one 64-byte operation. Every DMA into
// SBUF and every operand read passes a byte at a time through these (a
// GQA decode at s = 32768 moves 268 MB), so they were ~7% of a run.
static_assert(sizeof(uint64_t) * 2 == 16, "two words per byte offset");

void set_words_generic(uint64_t *w, uint64_t n, uint64_t m0, uint64_t m1) {
  for (uint64_t b = 0; b < n; ++b) {
    w[2 * b] |= m0;
    w[2 * b + 1] |= m1;
  }
}
bool any_missing_generic(const uint64_t *w, uint64_t n, uint64_t m0, uint64_t m1) {
  uint64_t missing0 = 0, missing1 = 0;
  for (uint64_t b = 0; b < n; ++b) {
    missing0 |= m0 & ~w[2 * b];
    missing1 |= m1 & ~w[2 * b + 1];
  }
  return (missing0 | missing1) != 0;
}

#if defined(__x86_64__)
__attribute__((target("avx512f"))) void set_words_avx512(uint64_t *w, uint64_t n, uint64_t m0, uint64_t m1) {
  const __m512i m = _mm512_set_epi64(int64_t(m1), int64_t(m0), int64_t(m1), int64_t(m0), int64_t(m1), int64_t(m0),
                                     int64_t(m1), int64_t(m0));
  uint64_t b = 0;
  for (; b + 4 <= n; b += 4) {
    void *p = w + 2 * b;
    _mm512_storeu_si512(p, _mm512_loadu_si512(p) | m);
  }
  set_words_generic(w + 2 * b, n - b, m0, m1);
}
__attribute__((target("avx512f"))) bool any_missing_avx512(const uint64_t *w, uint64_t n, uint64_t m0, uint64_t m1) {
  const __m512i m = _mm512_set_epi64(int64_t(m1), int64_t(m0), int64_t(m1), int64_t(m0), int64_t(m1), int64_t(m0),
                                     int64_t(m1), int64_t(m0));
  __m512i missing = _mm512_setzero_si512();
  uint64_t b = 0;
  // (Vector operators, not _mm512_andnot_si512: GCC 12 warns inside that one.)
  for (; b + 4 <= n; b += 4) missing |= m & ~_mm512_loadu_si512(w + 2 * b);
  return _mm512_test_epi64_mask(missing, missing) != 0 || any_missing_generic(w + 2 * b, n - b, m0, m1);
}
#endif

using SetWords = void (*)(uint64_t *, uint64_t, uint64_t, uint64_t);
using AnyMissing = bool (*)(const uint64_t *, uint64_t, uint64_t, uint64_t);
#if defined(__x86_64__)
bool host_has_avx512f() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f");
}
#else
bool host_has_avx512f() { return false; }
#endif

} // namespace

namespace {
#if defined(__x86_64__)
const SetWords kSetWords = host_has_avx512f() ? &set_words_avx512 : &set_words_generic;
const AnyMissing kAnyMissing = host_has_avx512f() ? &any_missing_avx512 : &any_missing_generic;
#else
const SetWords kSetWords = &set_words_generic;
const AnyMissing kAnyMissing = &any_missing_generic;
#endif
} // namespace

void WrittenMap::set(unsigned p_lo, unsigned p_hi, uint64_t lo, uint64_t hi) {
  if (lo >= hi) return;
  uint64_t m[kWords], all[kWords];
  mask(p_lo, p_hi, m);
  mask(0, partitions_, all);
  const bool every_partition = m[0] == all[0] && m[1] == all[1];
  for (uint64_t block = lo / kBlockBytes; block * kBlockBytes < hi; ++block) {
    if (complete(block)) continue;
    // The block's offsets (the last block of a partition may be short).
    const uint64_t first = block * kBlockBytes, length = std::min(kBlockBytes, partition_bytes_ - first);
    const uint64_t b_lo = std::max(lo, first), b_hi = std::min(hi, first + length);
    if (every_partition && b_hi - b_lo == length) {
      set_complete(block); // its masks are never read again
      continue;
    }
    kSetWords(words() + b_lo * kWords, b_hi - b_lo, m[0], m[1]);
    // Completed by several writes: an incomplete block's masks are all
    // stored (only a whole-block write skips them, and completes it).
    if (every_partition && !kAnyMissing(words() + first * kWords, length, all[0], all[1])) set_complete(block);
  }
}

bool WrittenMap::all_set(unsigned p_lo, unsigned p_hi, uint64_t lo, uint64_t hi) const {
  if (lo >= hi) return true;
  uint64_t m[kWords];
  mask(p_lo, p_hi, m);
  for (uint64_t block = lo / kBlockBytes; block * kBlockBytes < hi; ++block) {
    if (complete(block)) continue;
    const uint64_t b_lo = std::max(lo, block * kBlockBytes), b_hi = std::min(hi, (block + 1) * kBlockBytes);
    if (kAnyMissing(words() + b_lo * kWords, b_hi - b_lo, m[0], m[1])) return false;
  }
  return true;
}

uint64_t WrittenMap::first_unset(unsigned p, uint64_t lo, uint64_t hi) const {
  const uint64_t *w = words() + p / 64;
  const uint64_t bit = uint64_t(1) << (p % 64);
  for (uint64_t b = lo; b < hi; ++b) {
    if (complete(b / kBlockBytes)) {
      b = (b / kBlockBytes + 1) * kBlockBytes - 1; // the block's last byte; the loop steps past it
      continue;
    }
    if (!(w[b * kWords] & bit)) return b;
  }
  return hi;
}

} // namespace nk
