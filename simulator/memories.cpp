// The simulated memories (memories.h).
#include "simulator/memories.h"

#include <algorithm>
#include <stdexcept>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace nk {

ZeroBuffer::ZeroBuffer(size_t bytes, bool huge_pages) : size_(bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr size_t kHuge = size_t(2) << 20;
  if (huge_pages && bytes >= kHuge) {
    const size_t rounded = (bytes + kHuge - 1) / kHuge * kHuge;
    void *m = mmap(nullptr, rounded + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m != MAP_FAILED) {
      mapping_ = m;
      mapping_bytes_ = rounded + kHuge;
      data_ = reinterpret_cast<uint8_t *>((reinterpret_cast<uintptr_t>(m) + kHuge - 1) & ~uintptr_t(kHuge - 1));
      madvise(data_, rounded, MADV_HUGEPAGE); // advice: 4 KiB pages if refused
      return;
    }
  }
#else
  (void)huge_pages;
#endif
  data_ = static_cast<uint8_t *>(std::calloc(bytes ? bytes : 1, 1));
  if (!data_) throw std::bad_alloc();
}

ZeroBuffer::~ZeroBuffer() {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (mapping_) {
    munmap(mapping_, mapping_bytes_);
    return;
  }
#endif
  std::free(data_);
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
    : words_(partition_bytes * kWords * sizeof(uint64_t)) {
  if (partitions > 64 * kWords) throw std::length_error("WrittenMap: more than 128 partitions");
}

void WrittenMap::mask(unsigned p_lo, unsigned p_hi, uint64_t m[kWords]) const {
  for (unsigned w = 0; w < kWords; ++w) {
    const unsigned lo = std::max(p_lo, 64 * w), hi = std::min(p_hi, 64 * w + 64);
    m[w] = lo >= hi ? 0 : (~uint64_t(0) >> (64 - (hi - lo))) << (lo - 64 * w);
  }
}

void WrittenMap::set(unsigned p_lo, unsigned p_hi, uint64_t lo, uint64_t hi) {
  uint64_t m[kWords];
  mask(p_lo, p_hi, m);
  uint64_t *w = words();
  for (uint64_t b = lo; b < hi; ++b) {
    w[b * kWords] |= m[0];
    w[b * kWords + 1] |= m[1];
  }
}

bool WrittenMap::all_set(unsigned p_lo, unsigned p_hi, uint64_t lo, uint64_t hi) const {
  uint64_t m[kWords];
  mask(p_lo, p_hi, m);
  const uint64_t *w = words();
  uint64_t missing0 = 0, missing1 = 0;
  for (uint64_t b = lo; b < hi; ++b) {
    missing0 |= m[0] & ~w[b * kWords];
    missing1 |= m[1] & ~w[b * kWords + 1];
  }
  return (missing0 | missing1) == 0;
}

uint64_t WrittenMap::first_unset(unsigned p, uint64_t lo, uint64_t hi) const {
  const uint64_t *w = words() + p / 64;
  const uint64_t bit = uint64_t(1) << (p % 64);
  for (uint64_t b = lo; b < hi; ++b)
    if (!(w[b * kWords] & bit)) return b;
  return hi;
}

} // namespace nk
