// ZeroBuffer: a zero-filled byte buffer, lazily mapped, on huge pages when
// asked (the simulated memories, the shadows, the HBM image).
//
// Guarantees: the bytes read as zero until written; nothing is touched
// (no page faulted in) at construction.
#pragma once

#include <cstddef>
#include <cstdint>

namespace nk {

// A zero-initialised byte buffer from calloc (large ones are lazily mapped).
// With `huge_pages` (Linux), a buffer of 2 MiB or more is its own mapping,
// 2 MiB-aligned, advised MADV_HUGEPAGE. The drivers' glibc.malloc.hugetlb=1
// (tools/huge_pages.h) covers only the aligned interior of calloc's
// mapping, and nothing when the library runs inside Python; SBUF rows are
// 192 KiB apart, so a column walk touches a page per partition, and with
// 4 KiB pages a TLB entry and a first-touch fault each. Still zero-filled
// and lazily mapped, a 2 MiB page at a time.
class ZeroBuffer {
public:
  explicit ZeroBuffer(size_t bytes, bool huge_pages = false);
  ~ZeroBuffer();
  ZeroBuffer(const ZeroBuffer &) = delete;
  ZeroBuffer &operator=(const ZeroBuffer &) = delete;
  uint8_t *data() { return data_; }
  const uint8_t *data() const { return data_; }
  size_t size() const { return size_; }
  // Faults the pages in ahead of use, last page first (so that a thread
  // touching the buffer from its start meets this one half way, each
  // zeroing part of it). The bytes are not changed: safe while other
  // threads read and write the buffer. Only for a mapped (huge-page)
  // buffer on Linux; otherwise does nothing.
  void populate_backwards() const;

private:
  uint8_t *data_ = nullptr;
  size_t size_;
  void *mapping_ = nullptr; // when mapped (huge pages), else data_ is calloc's
  size_t mapping_bytes_ = 0;
};

} // namespace nk
