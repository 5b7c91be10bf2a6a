// The elide-memsets pass on hand-built LIR: which memsets it may drop, and
// which accumulating matmuls then overwrite. Each case is a small program
// whose outcome follows from the pass's contract (compiler/backend/
// elide_memsets.cpp): a memset goes only when nothing reads its value.
#include "compiler/backend/passes.h"

#include <doctest/doctest.h>

using namespace nk;
using namespace nk::lir;

namespace {

AccessPattern on_chip(Memory m, uint16_t parts, uint64_t offset, std::initializer_list<Dim> dims) {
  AccessPattern a;
  a.mem = m;
  a.dtype = Dtype::f32;
  a.num_partitions = parts;
  a.offset = offset;
  for (Dim d : dims) a.dims[a.num_dims++] = d;
  return a;
}

struct Builder {
  lir::Program p;
  BufferId ps, sb, w; // a PSUM accumulator [8 | 8], operands [128 | 8]
  Builder() {
    ps = p.add_buffer(Buffer{"ps", Memory::psum, 8, 32, {}, false, 0});
    sb = p.add_buffer(Buffer{"sb", Memory::sbuf, 8, 64, {}, false, 0});
    w = p.add_buffer(Buffer{"w", Memory::sbuf, 128, 32, {}, false, 0});
  }
  Inst &add(Opcode op) {
    Inst in;
    in.inst = Instruction::make(op);
    in.engines = engine_bit(Engine::vector) | engine_bit(Engine::tensor);
    p.insts.push_back(in);
    return p.insts.back();
  }
  void memset_ps(uint64_t offset = 0, uint32_t cols = 8, float value = 0.0f) {
    Inst &in = add(Opcode::memset);
    in.inst.ap[ap::memset::dst] = on_chip(Memory::psum, 8, offset, {{1, cols}});
    in.buffer[ap::memset::dst] = ps;
    in.inst.set_float(attr::memset::value, value);
  }
  // ps[:, col0 : col0+cols] (+)= w^T w[:, 0:cols]
  void matmul(uint32_t col0, uint32_t cols, bool accumulate) {
    Inst &in = add(Opcode::nc_matmul);
    in.inst.ap[ap::nc_matmul::dst] = on_chip(Memory::psum, 8, col0 * 4, {{1, cols}});
    in.buffer[ap::nc_matmul::dst] = ps;
    in.inst.ap[ap::nc_matmul::stationary] = on_chip(Memory::sbuf, 128, 0, {{1, 8}});
    in.buffer[ap::nc_matmul::stationary] = w;
    in.inst.ap[ap::nc_matmul::moving] = on_chip(Memory::sbuf, 128, 0, {{1, cols}});
    in.buffer[ap::nc_matmul::moving] = w;
    in.inst.attr[attr::nc_matmul::accumulate].i = accumulate;
  }
  void read_ps(uint64_t offset = 0, uint32_t cols = 8) {
    Inst &in = add(Opcode::tensor_copy);
    in.inst.ap[ap::tensor_copy::dst] = on_chip(Memory::sbuf, 8, 0, {{1, cols}});
    in.buffer[ap::tensor_copy::dst] = sb;
    in.inst.ap[ap::tensor_copy::src] = on_chip(Memory::psum, 8, offset, {{1, cols}});
    in.buffer[ap::tensor_copy::src] = ps;
  }
  size_t count(Opcode op) const {
    size_t n = 0;
    for (const Inst &in : p.insts) n += in.inst.op == op;
    return n;
  }
  std::vector<bool> accumulates() const {
    std::vector<bool> r;
    for (const Inst &in : p.insts)
      if (in.inst.op == Opcode::nc_matmul) r.push_back(in.inst.get_bool(attr::nc_matmul::accumulate));
    return r;
  }
};

} // namespace

TEST_CASE("zeros followed by one accumulation group: memset gone, first matmul overwrites") {
  Builder b;
  b.memset_ps();
  b.matmul(0, 8, true);
  b.matmul(0, 8, true);
  b.read_ps();
  elide_memsets(b.p);
  CHECK(b.count(Opcode::memset) == 0);
  CHECK(b.accumulates() == std::vector<bool>{false, true});
}

TEST_CASE("column blocks each written once: every matmul overwrites") {
  Builder b;
  b.memset_ps();
  b.matmul(0, 4, true);
  b.matmul(4, 4, true);
  b.read_ps();
  elide_memsets(b.p);
  CHECK(b.count(Opcode::memset) == 0);
  CHECK(b.accumulates() == std::vector<bool>{false, false});
}

TEST_CASE("a read of zeros nobody overwrote keeps the memset") {
  Builder b;
  b.memset_ps();
  b.matmul(0, 4, true); // columns 4..8 keep their zeros ...
  b.read_ps();          // ... and are read here
  elide_memsets(b.p);
  CHECK(b.count(Opcode::memset) == 1);
  CHECK(b.accumulates() == std::vector<bool>{true});
}

TEST_CASE("an accumulation over partly overwritten bytes keeps the memset") {
  Builder b;
  b.memset_ps();
  b.matmul(0, 4, false); // overwrites columns 0..4
  b.matmul(0, 8, true);  // accumulates into 0..4 (written) and 4..8 (zeros)
  b.read_ps();
  elide_memsets(b.p);
  CHECK(b.count(Opcode::memset) == 1);
  CHECK(b.accumulates() == std::vector<bool>{false, true});
}

TEST_CASE("a non-zero fill is never turned into an overwrite") {
  Builder b;
  b.memset_ps(0, 8, 1.0f);
  b.matmul(0, 8, true);
  b.read_ps();
  elide_memsets(b.p);
  CHECK(b.count(Opcode::memset) == 1);
  CHECK(b.accumulates() == std::vector<bool>{true});
}

TEST_CASE("a fill fully overwritten before any read goes, whatever its value") {
  Builder b;
  b.memset_ps(0, 8, -1.0f);
  b.matmul(0, 8, false);
  b.read_ps();
  elide_memsets(b.p);
  CHECK(b.count(Opcode::memset) == 0);
  CHECK(b.accumulates() == std::vector<bool>{false});
}

TEST_CASE("a strided write covers nothing, so the memset stays") {
  Builder b;
  b.memset_ps();
  Inst &in = b.add(Opcode::tensor_copy); // every other column of ps
  in.inst.ap[ap::tensor_copy::dst] = on_chip(Memory::psum, 8, 0, {{2, 4}});
  in.buffer[ap::tensor_copy::dst] = b.ps;
  in.inst.ap[ap::tensor_copy::src] = on_chip(Memory::sbuf, 8, 0, {{1, 4}});
  in.buffer[ap::tensor_copy::src] = b.sb;
  b.read_ps(4, 1); // column 1: still zero
  elide_memsets(b.p);
  CHECK(b.count(Opcode::memset) == 1);
}

TEST_CASE("a memset nothing ever reads goes") {
  Builder b;
  b.memset_ps();
  elide_memsets(b.p);
  CHECK(b.count(Opcode::memset) == 0);
}
