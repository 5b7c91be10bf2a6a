// ZeroBuffer (zero_buffer.h).
#include "runtime/zero_buffer.h"

#include <cstdlib>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace nk {

ZeroBuffer::ZeroBuffer(size_t bytes, bool huge_pages) : size_(bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr size_t kHuge = size_t(2) << 20;
  // NK_NO_HUGE_PAGES=1 opts out here too, as for the drivers (tools/huge_pages.h).
  if (huge_pages && bytes >= kHuge && !std::getenv("NK_NO_HUGE_PAGES")) {
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

void ZeroBuffer::populate_backwards() const {
#if defined(__linux__) && defined(MADV_POPULATE_WRITE)
  if (!mapping_) return;
  constexpr size_t kHuge = size_t(2) << 20;
  // A huge page at a time, from the end; an older kernel refuses the
  // advice (EINVAL) and the pages simply fault in on first touch.
  for (size_t end = (size_ + kHuge - 1) / kHuge * kHuge; end > 0; end -= kHuge)
    if (madvise(data_ + end - kHuge, kHuge, MADV_POPULATE_WRITE) != 0) return;
#endif
}

} // namespace nk
