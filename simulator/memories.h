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
#include "runtime/zero_buffer.h"

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

namespace nk {

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
