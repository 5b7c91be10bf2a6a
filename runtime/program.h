// A Program: what nkc produces and nksim runs. One instruction stream per
// compute engine and per DMA queue, the HBM tensor table (the kernel's I/O),
// and debug info mapping instructions to source locations.
//
// Stored as a binary program file (program_file.cpp) and printable/parsable
// as text assembly (asm_printer.cpp / asm_parser.cpp).
#pragma once

#include "runtime/isa.h"

#include <string>
#include <vector>

namespace nk {

enum class TensorKind : uint8_t { input, output, scratch };
std::string_view tensor_kind_name(TensorKind k);
std::optional<TensorKind> parse_tensor_kind(std::string_view s);

// A tensor in HBM: C-order (row-major), contiguous, at a byte offset.
struct TensorDecl {
  std::string name;
  Dtype dtype = Dtype::f32;
  std::vector<int64_t> shape;
  uint64_t hbm_offset = 0;
  TensorKind kind = TensorKind::input;

  uint64_t num_elements() const;
  uint64_t size_bytes() const { return num_elements() * dtype_size(dtype); }
  bool operator==(const TensorDecl &o) const {
    return name == o.name && dtype == o.dtype && shape == o.shape && hbm_offset == o.hbm_offset && kind == o.kind;
  }
};

// A stream is identified by its physical core, its engine and, for DMA, its
// queue number. Streams sort by core first, so a one-core program's streams
// are all core 0's, in the order they always had.
struct StreamId {
  Engine engine = Engine::tensor;
  uint8_t queue = 0; // DMA queue index; 0 for compute engines
  uint8_t core = 0;  // physical core of the logical core (LNC=2: 0 or 1)
  bool operator==(const StreamId &o) const { return engine == o.engine && queue == o.queue && core == o.core; }
  bool operator<(const StreamId &o) const {
    if (core != o.core) return core < o.core;
    return engine != o.engine ? engine < o.engine : queue < o.queue;
  }
};
// "tensor", "vector", "scalar", "gpsimd", "dma0" .. "dma15" on core 0;
// "core1.tensor", "core1.dma0", ... on core 1.
std::string stream_name(StreamId id);
std::optional<StreamId> parse_stream_name(std::string_view s);

struct Stream {
  StreamId id;
  std::vector<Instruction> insts;
  bool operator==(const Stream &o) const { return id == o.id && insts == o.insts; }
};

struct Program {
  std::string kernel;    // kernel name
  std::string target;    // "trn1" or "trn2"
  uint64_t hbm_size = 0; // bytes of HBM the program addresses
  // Physical cores of the logical core the program runs on (its LNC
  // degree): 1, or 2 on trn2. The cores share HBM (the tensors); each has
  // its own engines, DMA queues, SBUF, PSUM and semaphores.
  uint8_t cores = 1;
  std::vector<TensorDecl> tensors;
  std::vector<std::string> files; // debug info: source files (DebugLoc::file is 1-based)
  std::vector<Stream> streams;    // at most one per StreamId, in StreamId order

  // The stream for `id`, created (in order) if missing.
  Stream &stream(StreamId id);
  const TensorDecl *find_tensor(std::string_view name) const;
  uint64_t num_instructions() const;
  bool operator==(const Program &o) const {
    return kernel == o.kernel && target == o.target && hbm_size == o.hbm_size && cores == o.cores &&
           tensors == o.tensors && files == o.files && streams == o.streams;
  }
};

} // namespace nk
