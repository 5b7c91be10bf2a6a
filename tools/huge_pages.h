// Transparent huge pages for the drivers' large heaps. Compiling or
// simulating a long-context kernel touches hundreds of MB; with 4 KiB pages
// the page faults and TLB misses cost more than the work itself (measured:
// nkc compile at s=131072 goes from 1.6 s to 0.6 s). glibc (>= 2.35) backs
// malloc with transparent huge pages when the tunable glibc.malloc.hugetlb=1
// is set, and tunables are read only at process start, so the driver
// re-executes itself once with the tunable added. NK_NO_HUGE_PAGES=1 opts
// out; if anything fails the process simply continues as it is.
#pragma once

#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>

namespace nk {

inline void reexec_with_huge_pages(char **argv) {
  if (std::getenv("NK_NO_HUGE_PAGES")) return;
  const char *cur = std::getenv("GLIBC_TUNABLES");
  if (cur && std::strstr(cur, "glibc.malloc.hugetlb")) return; // already set (or the user chose)
  std::string value = cur && *cur ? std::string(cur) + ":glibc.malloc.hugetlb=1" : "glibc.malloc.hugetlb=1";
  if (setenv("GLIBC_TUNABLES", value.c_str(), 1) != 0) return;
  execv("/proc/self/exe", argv);
  // execv returned: carry on without huge pages.
}

} // namespace nk
