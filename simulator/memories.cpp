// The simulated memories (memories.h).
#include "simulator/memories.h"

namespace nk {

Memories::Memories(const Target &target, std::vector<uint8_t> &hbm_image)
    : hbm(hbm_image), sbuf_partition_bytes(target.sbuf_bytes_per_partition),
      psum_partition_bytes(target.psum_bytes_per_partition), sbuf(target.sbuf_bytes()),
      psum(target.psum_bytes_per_partition * target.partitions), sbuf_written(target.sbuf_bytes()),
      psum_written(target.psum_bytes_per_partition * target.partitions) {}

} // namespace nk
