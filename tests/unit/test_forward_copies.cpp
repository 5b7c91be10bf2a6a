// The forward-copies pass on hand-built LIR: which copies it may delete by
// having the producer write into the copy's destination, and which it must
// keep. Each case follows from the pass's contract (compiler/backend/
// forward_copies.cpp): the values every later instruction reads stay the
// same.
#include "compiler/backend/passes.h"
#include "runtime/target.h"

#include <doctest/doctest.h>

using namespace nk;
using namespace nk::lir;

namespace {

AccessPattern on_chip(Memory m, uint16_t parts, uint64_t offset, uint32_t cols, Dtype dt = Dtype::f32) {
  AccessPattern a;
  a.mem = m;
  a.dtype = dt;
  a.num_partitions = parts;
  a.offset = offset;
  a.num_dims = 1;
  a.dims[0] = Dim{1, cols};
  return a;
}

// HBM rows [rows, 64] f32 at 0: columns col0 .. col0 + cols.
AccessPattern hbm_block(uint32_t rows, uint64_t col0, uint32_t cols) {
  AccessPattern a;
  a.mem = Memory::hbm;
  a.offset = col0 * 4;
  a.num_dims = 2;
  a.dims[0] = Dim{64, rows};
  a.dims[1] = Dim{1, cols};
  return a;
}

const EngineMask kElementwise = engine_bit(Engine::vector) | engine_bit(Engine::scalar) | engine_bit(Engine::gpsimd);

struct Builder {
  lir::Program p;
  const Target &target = *find_target("trn2");
  BufferId run; // [8 | 16 f32], filled a block of 8 columns at a time
  Builder() {
    p.kernel = "fwd";
    p.target = "trn2";
    p.hbm_size = 8 * 64 * 4;
    run = buf("run", 8, 64);
  }
  BufferId buf(const char *name, uint32_t parts, uint64_t bytes, Memory m = Memory::sbuf) {
    return p.add_buffer(Buffer{name, m, parts, bytes, {}, false, 0});
  }
  Inst &add(Opcode op, EngineMask engines) {
    Inst in;
    in.inst = Instruction::make(op);
    in.engines = engines;
    in.inst.loc.line = uint32_t(p.insts.size() + 1); // identifies it after the pass
    p.insts.push_back(in);
    return p.insts.back();
  }
  void set(Inst &in, unsigned slot, AccessPattern a, BufferId b) {
    in.inst.ap[slot] = a;
    in.buffer[slot] = b;
  }
  // t = load(HBM columns col0 ..+8); returns t.
  BufferId load(uint64_t col0) {
    BufferId t = buf("t", 8, 32);
    Inst &in = add(Opcode::dma_copy, engine_bit(Engine::dma));
    set(in, ap::dma_copy::dst, on_chip(Memory::sbuf, 8, 0, 8), t);
    set(in, ap::dma_copy::src, hbm_block(8, col0, 8), kNoBuffer);
    return t;
  }
  // dst[:, at .. at+8] = src[:, 0 .. 8] (byte offset `at * 4`), as
  // legalize lowers an assignment (or, with assign = false, a copy the
  // kernel asked for).
  void copy(BufferId dst, uint64_t at, BufferId src, Dtype dst_dtype = Dtype::f32, bool assign = true) {
    const Memory dm = p.buffers[dst].mem, sm = p.buffers[src].mem;
    Inst &in = add(Opcode::tensor_copy, kElementwise);
    in.assign_copy = assign;
    set(in, ap::tensor_copy::dst, on_chip(dm, 8, at * dtype_size(dst_dtype), 8, dst_dtype), dst);
    set(in, ap::tensor_copy::src, on_chip(sm, 8, 0, 8), src);
  }
  // A Vector-engine read of run[:, at .. at+8].
  void read_run(uint64_t at) {
    Inst &in = add(Opcode::tensor_copy, kElementwise);
    set(in, ap::tensor_copy::dst, on_chip(Memory::sbuf, 8, 0, 8), buf("r", 8, 32));
    set(in, ap::tensor_copy::src, on_chip(Memory::sbuf, 8, at * 4, 8), run);
  }
  size_t count(Opcode op) const {
    size_t n = 0;
    for (const Inst &in : p.insts) n += in.inst.op == op;
    return n;
  }
  const Inst &line(uint32_t l) const {
    for (const Inst &in : p.insts)
      if (in.inst.loc.line == l) return in;
    FAIL("no instruction from line ", l);
    return p.insts.front();
  }
};

} // namespace

TEST_CASE("a run assembled from loads: each load lands in its block, the copies go") {
  Builder b;
  BufferId t0 = b.load(0); // 1
  b.copy(b.run, 0, t0);    // 2
  BufferId t1 = b.load(8); // 3
  b.copy(b.run, 8, t1);    // 4
  b.read_run(0);           // 5
  forward_copies(b.p, b.target);
  REQUIRE(b.p.insts.size() == 3);
  CHECK(b.count(Opcode::tensor_copy) == 1); // the reader
  const Inst &l1 = b.line(1), &l3 = b.line(3);
  CHECK(l1.buffer[ap::dma_copy::dst] == b.run);
  CHECK(l1.inst.ap[ap::dma_copy::dst] == on_chip(Memory::sbuf, 8, 0, 8));
  CHECK(l3.buffer[ap::dma_copy::dst] == b.run);
  CHECK(l3.inst.ap[ap::dma_copy::dst] == on_chip(Memory::sbuf, 8, 32, 8));
  CHECK(l1.inst.ap[ap::dma_copy::src] == hbm_block(8, 0, 8)); // sources untouched
}

TEST_CASE("a copy the kernel asked for (copy(x), isa.tensor_copy) stays") {
  Builder b;
  BufferId t0 = b.load(0);
  b.copy(b.run, 0, t0, Dtype::f32, false);
  forward_copies(b.p, b.target);
  CHECK(b.p.insts.size() == 2);
  CHECK(b.line(1).buffer[ap::dma_copy::dst] == t0);
}

TEST_CASE("a read of the destination between producer and copy keeps the copy") {
  Builder b;
  BufferId t0 = b.load(0); // 1
  b.read_run(0);           // 2: must still see run's old columns 0..8
  b.copy(b.run, 0, t0);    // 3
  forward_copies(b.p, b.target);
  CHECK(b.p.insts.size() == 3);
  CHECK(b.line(1).buffer[ap::dma_copy::dst] == t0);
}

TEST_CASE("only accesses of the destination's own bytes in between block the move") {
  Builder b;
  BufferId t0 = b.load(0); // 1
  b.read_run(8);           // 2: the other block
  b.copy(b.run, 0, t0);    // 3
  forward_copies(b.p, b.target);
  CHECK(b.p.insts.size() == 2);
  CHECK(b.line(1).buffer[ap::dma_copy::dst] == b.run);
}

TEST_CASE("a write of the destination in between keeps the copy (it must land last)") {
  Builder b;
  BufferId t0 = b.load(0); // 1
  BufferId t1 = b.load(0); // 2
  b.copy(b.run, 0, t1);    // 3: forwarded (nothing in between)
  b.copy(b.run, 0, t0);    // 4: the load at 2 now writes these bytes in between
  b.read_run(0);           // 5: sees t0's values
  forward_copies(b.p, b.target);
  CHECK(b.p.insts.size() == 4);
  CHECK(b.line(2).buffer[ap::dma_copy::dst] == b.run);
  CHECK(b.line(1).buffer[ap::dma_copy::dst] == t0);
  CHECK(b.count(Opcode::tensor_copy) == 2); // copy 4 and the reader
}

TEST_CASE("a temporary with another reader keeps its copy") {
  Builder b;
  BufferId t0 = b.load(0); // 1
  b.copy(b.run, 0, t0);    // 2
  Inst &again = b.add(Opcode::tensor_copy, kElementwise);
  b.set(again, ap::tensor_copy::dst, on_chip(Memory::sbuf, 8, 0, 8), b.buf("u", 8, 32));
  b.set(again, ap::tensor_copy::src, on_chip(Memory::sbuf, 8, 0, 8), t0);
  forward_copies(b.p, b.target);
  CHECK(b.p.insts.size() == 3);
}

TEST_CASE("a converting copy, or one into another memory, stays") {
  SUBCASE("f32 to bf16") {
    Builder b;
    BufferId t0 = b.load(0);
    b.copy(b.run, 0, t0, Dtype::bf16);
    forward_copies(b.p, b.target);
    CHECK(b.p.insts.size() == 2);
  }
  SUBCASE("SBUF to PSUM") {
    Builder b;
    BufferId ps = b.buf("ps", 8, 64, Memory::psum);
    BufferId t0 = b.load(0);
    b.copy(ps, 0, t0);
    forward_copies(b.p, b.target);
    CHECK(b.p.insts.size() == 2);
  }
}

TEST_CASE("a copy of part of what the producer wrote stays") {
  Builder b;
  BufferId t0 = b.load(0); // 8 columns
  Inst &in = b.add(Opcode::tensor_copy, kElementwise);
  b.set(in, ap::tensor_copy::dst, on_chip(Memory::sbuf, 8, 0, 4), b.run);
  b.set(in, ap::tensor_copy::src, on_chip(Memory::sbuf, 8, 0, 4), t0);
  forward_copies(b.p, b.target);
  CHECK(b.p.insts.size() == 2);
}

TEST_CASE("transposes into column blocks of a PSUM tile write there; an accumulating matmul does not move") {
  Builder b;
  const BufferId x = b.buf("x", 8, 32), qk = b.buf("qk", 8, 64, Memory::psum);
  for (uint64_t block = 0; block < 2; ++block) { // lines 1-4
    const BufferId t = b.buf("tp", 8, 32, Memory::psum);
    Inst &tr = b.add(Opcode::nc_transpose, engine_bit(Engine::tensor) | engine_bit(Engine::vector));
    b.set(tr, ap::nc_transpose::dst, on_chip(Memory::psum, 8, 0, 8), t);
    b.set(tr, ap::nc_transpose::src, on_chip(Memory::sbuf, 8, 0, 8), x);
    b.copy(qk, block * 8, t);
  }
  const BufferId acc = b.buf("acc", 8, 32, Memory::psum);
  Inst &mm = b.add(Opcode::nc_matmul, engine_bit(Engine::tensor)); // 5
  b.set(mm, ap::nc_matmul::dst, on_chip(Memory::psum, 8, 0, 8), acc);
  b.set(mm, ap::nc_matmul::stationary, on_chip(Memory::sbuf, 8, 0, 8), x);
  b.set(mm, ap::nc_matmul::moving, on_chip(Memory::sbuf, 8, 0, 8), x);
  mm.inst.attr[attr::nc_matmul::accumulate].i = 1; // reads acc: its first value is not the matmul's alone
  b.copy(qk, 8, acc);                              // 6
  forward_copies(b.p, b.target);
  CHECK(b.count(Opcode::nc_transpose) == 2);
  CHECK(b.line(1).buffer[ap::nc_transpose::dst] == qk);
  CHECK(b.line(3).buffer[ap::nc_transpose::dst] == qk);
  CHECK(b.line(3).inst.ap[ap::nc_transpose::dst].offset == 32);
  CHECK(b.line(5).buffer[ap::nc_matmul::dst] == acc);
  CHECK(b.count(Opcode::tensor_copy) == 1);
}

TEST_CASE("a chain of copies collapses: the load writes the last destination") {
  Builder b;
  BufferId t0 = b.load(0);                // 1
  const BufferId t1 = b.buf("t1", 8, 32); //
  b.copy(t1, 0, t0);                      // 2: the load writes t1 instead
  b.copy(b.run, 8, t1);                   // 3: then, t1's producer being the load, run's block
  forward_copies(b.p, b.target);
  REQUIRE(b.p.insts.size() == 1);
  CHECK(b.line(1).buffer[ap::dma_copy::dst] == b.run);
  CHECK(b.line(1).inst.ap[ap::dma_copy::dst].offset == 32);
  // A second run finds nothing more.
  const lir::Program once = b.p;
  forward_copies(b.p, b.target);
  REQUIRE(b.p.insts.size() == 1);
  CHECK(b.p.insts[0].inst == once.insts[0].inst);
}
