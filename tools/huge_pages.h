// Transparent huge pages for the drivers' large heaps. Compiling or
// simulating a long-context kernel touches hundreds of MB; with 4 KiB pages
// the page faults and TLB misses cost more than the work itself (measured:
// nkc compile at s=131072 goes from 1.6 s to 0.6 s). glibc (>= 2.35) backs
// malloc with transparent huge pages when the tunable glibc.malloc.hugetlb=1
// is set, and tunables are read only at process start, so the driver
// re-executes itself once with the tunable added. NK_NO_HUGE_PAGES=1 opts
// out; if anything fails the process simply continues as it is.
//
// hugetlb=1 advises huge pages for the heap and for the aligned interior of
// each mmap'd chunk, so a chunk under 4 MiB (a decoded stream's
// instructions, the race checker's pools as they grow) still takes a 4 KiB
// fault per page. `extra` adds more tunables: nksim raises
// glibc.malloc.mmap_threshold so that those come from the heap instead
// (measured: 4,400 -> 650 page faults and 0.70x cpu on the GQA s = 32768
// program).
#pragma once

#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>

namespace nk {

// `extra`: more tunables, ":name=value..." (empty: none).
inline void reexec_with_huge_pages(char **argv, const char *extra = "") {
  if (std::getenv("NK_NO_HUGE_PAGES")) return;
  const char *cur = std::getenv("GLIBC_TUNABLES");
  if (cur && std::strstr(cur, "glibc.malloc.hugetlb")) return; // already set (or the user chose)
  const std::string ours = std::string("glibc.malloc.hugetlb=1") + extra;
  // The user's own tunables last: glibc applies them in order, so theirs win.
  std::string value = cur && *cur ? ours + ":" + cur : ours;
  if (setenv("GLIBC_TUNABLES", value.c_str(), 1) != 0) return;
  execv("/proc/self/exe", argv);
  // execv returned: carry on without huge pages.
}

} // namespace nk
