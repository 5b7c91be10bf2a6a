// LIR, the lowered IR: ISA instructions (runtime/isa.h) in one program order,
// whose on-chip operands address *virtual buffers* instead of addresses. The
// back-end passes turn it into a runtime Program:
//   schedule -> assign_dma_queues -> allocate_memory ->
//   insert_semaphores -> emit_program          (order: compiler/pipeline.cpp)
//
// Assumes (established by legalisation): every instruction is legal for at
// least one engine in `engines`; operands' partition ranges and byte offsets
// are relative to their buffer (start_partition 0 = the buffer's first
// partition, offset 0 = its first byte in each partition); HBM operands are
// absolute. The program order is a valid sequential execution: running the
// instructions one at a time in order computes the kernel.
// Guarantees of the passes: see each pass's header.
#pragma once

#include "runtime/program.h"

#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace nk::lir {

using BufferId = uint32_t;
constexpr BufferId kNoBuffer = ~0u;

struct Buffer {
  std::string name;          // for dumps and diagnostics
  Memory mem = Memory::sbuf; // sbuf or psum
  uint32_t partitions = 0;   // partitions used (from partition 0)
  uint64_t bytes = 0;        // bytes per partition
  DebugLoc loc;              // where the tile was defined
  // Set by allocate_memory.
  bool allocated = false;
  uint64_t offset = 0; // byte address within each partition
};

struct Inst {
  Instruction inst;                     // on-chip APs relative to their buffer
  std::array<BufferId, kMaxAps> buffer; // per AP slot; kNoBuffer for HBM/absent
  EngineMask engines = 0;               // engines allowed to run it
  StreamId stream;                      // set by schedule / assign_dma_queues
  bool placed = false;
  // A tensor_copy legalize made for an assignment (`x[...] = v`, `x = v`):
  // the language evaluates v into a tile of its own, so the copy is not one
  // the kernel asked for and forward-copies may delete it. Text: `!assign`.
  bool assign_copy = false;

  Inst() { buffer.fill(kNoBuffer); }
};

struct Program {
  std::string kernel;
  std::string target;
  uint64_t hbm_size = 0;
  std::vector<TensorDecl> tensors;
  std::vector<std::string> files;
  std::vector<Buffer> buffers;
  std::vector<Inst> insts;

  BufferId add_buffer(Buffer b) {
    buffers.push_back(std::move(b));
    return BufferId(buffers.size() - 1);
  }
};

// Byte extent [lo, hi) of an access pattern: within each partition (on
// chip) or in HBM. Conservative for strided patterns (their hull).
std::pair<uint64_t, uint64_t> byte_extent(const AccessPattern &a);

// The byte runs [lo, hi) an HBM pattern touches, sorted and merged, into
// `runs`; false (runs left empty) when there would be more than `cap`, for
// which callers fall back to byte_extent. Column blocks of a row-major
// matrix have overlapping hulls but disjoint runs: dependency analyses that
// compare runs do not serialise them.
bool hbm_runs(const AccessPattern &a, size_t cap, std::vector<std::pair<uint64_t, uint64_t>> &runs);
// Whether two sorted, merged run lists share a byte.
bool runs_overlap(const std::vector<std::pair<uint64_t, uint64_t>> &a,
                  const std::vector<std::pair<uint64_t, uint64_t>> &b);

// The HBM bytes some instruction of `p` writes, as merged ranges. An HBM
// read outside them cannot conflict with anything, so dependency analyses
// can skip it: kernels read their inputs many times through strided views
// whose hulls overlap each other, and write only `out`.
class HbmWrites {
public:
  explicit HbmWrites(const Program &p);
  bool overlaps(uint64_t lo, uint64_t hi) const;

private:
  std::vector<std::pair<uint64_t, uint64_t>> ranges_; // sorted, disjoint
};

// The LIR text form (--print-after=PASS; grammar in docs/tile-ir.md, "LIR
// text"): the header, source files, HBM tensors and buffers (with their
// address once allocated), then one instruction per line prefixed by its
// stream when placed, operands as buffer-relative patterns
// (`%name:f32[0:8]+16[[1,4]]`) until their buffer is allocated, absolute
// afterwards (`sbuf:f32[0:8]+1040[[1,4]]{%name}`), the engines it may run
// on when fewer than the ISA table's (`!engines(vector,gpsimd)`) and its
// source location. Everything the passes read is printed: parse_program
// (compiler/lir/parse.h) reads it back to the same Program.
void print_program(llvm::raw_ostream &os, const Program &p);
// `!engines(a,b,...)`.
void print_engines(llvm::raw_ostream &os, EngineMask engines);

} // namespace nk::lir
