// The host memory a driver may still use: MemAvailable from /proc/meminfo
// (the kernel's estimate of what can be allocated without swapping), or
// nothing where that is unknown. Linux overcommits, so a run past it is
// killed by the OOM killer rather than failing an allocation; the drivers
// compare their own estimates with this before large allocations.
#pragma once

#include <cstdint>
#include <fstream>
#include <optional>
#include <string>

namespace nk {

inline std::optional<uint64_t> available_host_memory() {
  std::ifstream in("/proc/meminfo");
  std::string key, unit;
  uint64_t kb = 0;
  while (in >> key >> kb >> unit)
    if (key == "MemAvailable:") return kb * 1024;
  return std::nullopt;
}

} // namespace nk
