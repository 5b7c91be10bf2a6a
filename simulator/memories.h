// The simulated memories: HBM (the caller's image), SBUF and PSUM
// (partitions x bytes, sizes from the Target), plus the "ever written"
// maps behind the uninitialised-read check.
//
// Assumes: APs handed to row() were validated (validate.h).
// Guarantees: on-chip buffers start zeroed and are allocated lazily by the
// OS (calloc), so an unused 28 MiB SBUF costs nothing until touched.
#pragma once

#include "runtime/hbm_binding.h"
#include "runtime/target.h"

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

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

// Which bytes of an on-chip memory have been written, as one partition
// mask per byte offset: an access to P partitions x B bytes costs O(B)
// word operations, whatever P. Above it, a bit per block of kBlockBytes
// offsets says the block is written in every partition: a kernel writes
// its working set once and then reads and rewrites it for the rest of the
// run, and those accesses cost O(B / kBlockBytes) once their blocks are
// complete. A block written whole in every partition by one access is
// marked complete without its masks being stored (the masks are read only
// for incomplete blocks).
class WrittenMap {
public:
  WrittenMap(unsigned partitions, uint64_t partition_bytes);
  // Marks bytes [lo, hi) of partitions [p_lo, p_hi) written.
  void set(unsigned p_lo, unsigned p_hi, uint64_t lo, uint64_t hi);
  // Whether every byte [lo, hi) of partitions [p_lo, p_hi) was written.
  bool all_set(unsigned p_lo, unsigned p_hi, uint64_t lo, uint64_t hi) const;
  // The first byte of [lo, hi) of partition p not written, or hi.
  uint64_t first_unset(unsigned p, uint64_t lo, uint64_t hi) const;

  const ZeroBuffer &buffer() const { return words_; }

private:
  static constexpr unsigned kWords = 2; // 128 partitions
  static constexpr uint64_t kBlockBytes = 64;
  void mask(unsigned p_lo, unsigned p_hi, uint64_t m[kWords]) const;
  bool complete(uint64_t block) const { return complete_[block / 64] >> (block % 64) & 1; }
  void set_complete(uint64_t block) { complete_[block / 64] |= uint64_t(1) << (block % 64); }
  unsigned partitions_;
  uint64_t partition_bytes_;
  std::vector<uint64_t> complete_; // a bit per block
  uint64_t *words() { return reinterpret_cast<uint64_t *>(words_.data()); }
  const uint64_t *words() const { return reinterpret_cast<const uint64_t *>(words_.data()); }
  ZeroBuffer words_; // kWords per byte offset (huge pages: 3 MiB for trn2's SBUF, walked a byte at a time)
};

struct Memories {
  Memories(const Target &target, llvm::MutableArrayRef<uint8_t> hbm);

  // The base a row of `a` is addressed from: partition start + i on chip,
  // byte 0 of the image in HBM (which has a single row).
  uint8_t *row(const AccessPattern &a, unsigned i) {
    switch (a.mem) {
    case Memory::sbuf: return sbuf.data() + (a.start_partition + i) * sbuf_row_stride;
    case Memory::psum: return psum.data() + (a.start_partition + i) * psum_row_stride;
    default: return hbm.data();
    }
  }
  // The written-byte map of `a`'s memory (on chip only).
  WrittenMap &written(const AccessPattern &a) { return a.mem == Memory::sbuf ? sbuf_written : psum_written; }
  static unsigned rows(const AccessPattern &a) { return a.on_chip() ? a.num_partitions : 1; }

  llvm::MutableArrayRef<uint8_t> hbm;
  // Inputs whose bytes are generated when read, not stored in `hbm` until
  // materialised (runtime/hbm_binding.h: DeferredInput).
  llvm::MutableArrayRef<DeferredInput> deferred;
  uint64_t sbuf_partition_bytes, psum_partition_bytes;
  // Where partition p starts in `sbuf` / `psum`: p * stride. The stride is
  // the partition's size plus kRowPad bytes nobody addresses, so that rows
  // a partition apart do not all fall in the same cache set (both sizes
  // are multiples of 4 KiB: a 16-row column walk of a transpose or a
  // matmul's stationary evicted itself from an 8-way L1).
  static constexpr uint64_t kRowPad = 64;
  uint64_t sbuf_row_stride, psum_row_stride;
  ZeroBuffer sbuf, psum;
  WrittenMap sbuf_written, psum_written;
  // Every buffer above, faulted in ahead of use (ZeroBuffer::populate_backwards).
  void populate_backwards() const;
};

} // namespace nk
