// Simulator hazard checks: deadlock, races (and their fixed versions),
// uninitialised reads, and refusal of unsafe programs without crashing.
#include "test_sim_util.h"

#include <doctest/doctest.h>

using namespace nk;
using namespace nk::simtest;

namespace {

bool contains(const std::string &s, const std::string &part) { return s.find(part) != std::string::npos; }

Instruction copy_sb(const AccessPattern &dst, const AccessPattern &src) {
  Instruction i = Instruction::make(Opcode::tensor_copy);
  i.ap[ap::tensor_copy::dst] = dst;
  i.ap[ap::tensor_copy::src] = src;
  return i;
}

Instruction memset_sb(const AccessPattern &dst, float v) {
  Instruction i = Instruction::make(Opcode::memset);
  i.ap[ap::memset::dst] = dst;
  i.set_float(attr::memset::value, v);
  return i;
}

std::string fails_with(const Program &p, SimOptions opts = {}) {
  std::vector<uint8_t> hbm(p.hbm_size);
  auto r = run(p, hbm, opts);
  if (r) return "<no error>";
  return error_text(r.takeError());
}

} // namespace

TEST_CASE("deadlock: each engine waits for the other; the error names both") {
  Program p = new_program(64);
  p.stream(kVector).insts = {sem_wait(1), sem_signal(0)};
  p.stream(kScalar).insts = {sem_wait(0), sem_signal(1)};
  std::string e = fails_with(p);
  CHECK(contains(e, "deadlock"));
  CHECK(contains(e, "vector[0] sem_wait waits for semaphore 1 >= 1 (it is 0)"));
  CHECK(contains(e, "scalar[0] sem_wait waits for semaphore 0 >= 1 (it is 0)"));
}

TEST_CASE("deadlock: a wait nobody satisfies after the others finish") {
  Program p = new_program(64);
  p.stream(kVector).insts = {sem_signal(3), sem_wait(3, 2)};
  p.stream(kGpsimd).insts = {memset_sb(sb(Dtype::f32, 0, 1, 0, 4), 1.0f)};
  std::string e = fails_with(p);
  CHECK(contains(e, "vector[1] sem_wait waits for semaphore 3 >= 2 (it is 1)"));
  CHECK(!contains(e, "gpsimd"));
}

TEST_CASE("race: a DMA load and a compute read with no semaphore, then fixed") {
  auto build = [](bool fixed) {
    Program p = new_program(4096);
    p.files = {"race.tile"};
    Instruction load = dma(sb(Dtype::f32, 0, 4, 0, 8), hbm2(Dtype::f32, 0, 4, 8));
    load.loc = DebugLoc{1, 3, 5};
    Instruction use = copy_sb(sb(Dtype::f32, 0, 4, 256, 8), sb(Dtype::f32, 0, 4, 0, 8));
    use.loc = DebugLoc{1, 4, 7};
    p.stream(kDma0).insts = {load};
    p.stream(kVector).insts = {use};
    if (fixed) {
      p.stream(kDma0).insts.push_back(sem_signal(0));
      p.stream(kVector).insts.insert(p.stream(kVector).insts.begin(), sem_wait(0));
    }
    return p;
  };
  std::string e = fails_with(build(false));
  CHECK(contains(e, "race on sbuf partition 0 byte 0"));
  // Both ready at t=0: vector (earlier in stream order) reads first, then the
  // DMA's write is the access found unordered.
  CHECK(contains(e, "dma0[0] dma_copy (race.tile:3:5) writes it (operand 'dst')"));
  CHECK(contains(e, "while vector[0] tensor_copy (race.tile:4:7) reads it"));
  CHECK(fails_with(build(true)) == "<no error>");
  // With the check off the racy program runs (the schedule decides).
  SimOptions off;
  off.check_races = false;
  CHECK(fails_with(build(false), off) == "<no error>");
}

TEST_CASE("race: write after read (the reader not waited for)") {
  Program p = new_program(4096);
  // vector reads tile A; gpsimd overwrites A afterwards in time but unordered.
  p.stream(kGpsimd).insts = {memset_sb(sb(Dtype::f32, 0, 2, 0, 8), 1.0f), sem_signal(0),
                             memset_sb(sb(Dtype::f32, 0, 2, 0, 8), 2.0f)};
  p.stream(kVector).insts = {sem_wait(0), copy_sb(sb(Dtype::f32, 0, 2, 64, 8), sb(Dtype::f32, 0, 2, 0, 8))};
  std::string e = fails_with(p);
  CHECK(contains(e, "race on sbuf"));
  CHECK(contains(e, "gpsimd[2] memset"));
  CHECK(contains(e, "vector[1] tensor_copy"));
  // Fixed: the writer waits for the reader's signal.
  p.stream(kVector).insts.push_back(sem_signal(1));
  p.stream(kGpsimd).insts.insert(p.stream(kGpsimd).insts.begin() + 2, sem_wait(1));
  CHECK(fails_with(p) == "<no error>");
}

TEST_CASE("race: concurrent reads are fine; a later write must follow all readers") {
  Program p = new_program(4096);
  AccessPattern tile = sb(Dtype::f32, 0, 4, 0, 8);
  p.stream(kGpsimd).insts = {memset_sb(tile, 1.0f), sem_signal(0, 2)};
  p.stream(kVector).insts = {sem_wait(0, 2), copy_sb(sb(Dtype::f32, 0, 4, 64, 8), tile), sem_signal(1)};
  p.stream(kScalar).insts = {sem_wait(0, 2), copy_sb(sb(Dtype::f32, 0, 4, 128, 8), tile)};
  // gpsimd rewrites the tile after waiting only for the vector reader.
  p.stream(kGpsimd).insts.push_back(sem_wait(1));
  p.stream(kGpsimd).insts.push_back(memset_sb(tile, 3.0f));
  std::string e = fails_with(p);
  CHECK(contains(e, "gpsimd[3] memset"));
  CHECK(contains(e, "scalar[1] tensor_copy"));
  // Waiting for both readers fixes it.
  p.stream(kScalar).insts.push_back(sem_signal(1));
  p.stream(kGpsimd).insts[2] = sem_wait(1, 2);
  CHECK(fails_with(p) == "<no error>");
}

TEST_CASE("race: neighbouring but disjoint bytes are not a race") {
  Program p = new_program(64);
  p.stream(kVector).insts = {memset_sb(sb(Dtype::f32, 0, 4, 0, 1), 1.0f)};
  p.stream(kGpsimd).insts = {memset_sb(sb(Dtype::f32, 0, 4, 4, 1), 2.0f)};
  p.stream(kScalar).insts = {copy_sb(sb(Dtype::f32, 4, 4, 0, 8), sb(Dtype::f32, 4, 4, 64, 8))};
  SimOptions quiet;
  CHECK(fails_with(p, quiet) == "<no error>");
  // Same bytes on the two engines: a write-write race.
  p.stream(kGpsimd).insts[0] = memset_sb(sb(Dtype::f32, 3, 1, 0, 1), 2.0f);
  std::string e = fails_with(p);
  CHECK(contains(e, "race on sbuf partition 3 byte 0"));
}

TEST_CASE("race: two DMA queues writing overlapping HBM; disjoint rows are fine") {
  Program p = new_program(8192);
  p.stream(kGpsimd).insts = {memset_sb(sb(Dtype::f32, 0, 4, 0, 16), 1.0f), sem_signal(0, 2)};
  // Rows 0-3 and rows 4-7 of a [8, 16] output: disjoint.
  p.stream(kDma0).insts = {sem_wait(0, 2), dma(hbm2(Dtype::f32, 0, 4, 16), sb(Dtype::f32, 0, 4, 0, 16))};
  p.stream(kDma1).insts = {sem_wait(0, 2), dma(hbm2(Dtype::f32, 256, 4, 16), sb(Dtype::f32, 0, 4, 0, 16))};
  CHECK(fails_with(p) == "<no error>");
  // dma1 now overlaps the last row of dma0's block.
  p.stream(kDma1).insts[1] = dma(hbm2(Dtype::f32, 192, 4, 16), sb(Dtype::f32, 0, 4, 0, 16));
  std::string e = fails_with(p);
  CHECK(contains(e, "race on hbm byte 192"));
  CHECK(contains(e, "dma1[1] dma_copy writes it"));
  CHECK(contains(e, "dma0[1] dma_copy writes it"));
}

TEST_CASE("race: an HBM load, then an unordered store over its bytes; bytes no store reaches need no order") {
  Program p = new_program(8192);
  p.stream(kGpsimd).insts = {memset_sb(sb(Dtype::f32, 0, 4, 0, 16), 1.0f), sem_signal(0)};
  // dma0 loads rows 0-3 of a [8, 16] tensor at once; dma1 stores over row
  // 3 later, with no order between them: the load's reads must have been
  // recorded for the store to find them.
  p.stream(kDma0).insts = {dma(sb(Dtype::f32, 0, 4, 256, 16), hbm2(Dtype::f32, 0, 4, 16))};
  p.stream(kDma1).insts = {sem_wait(0), dma(hbm2(Dtype::f32, 192, 4, 16), sb(Dtype::f32, 0, 4, 0, 16))};
  std::string e = fails_with(p);
  CHECK(contains(e, "race on hbm byte 192"));
  CHECK(contains(e, "dma1[1] dma_copy writes it"));
  CHECK(contains(e, "dma0[0] dma_copy reads it"));
  // dma1 storing rows 4-7 instead: nothing writes the loaded bytes.
  p.stream(kDma1).insts[1] = dma(hbm2(Dtype::f32, 256, 4, 16), sb(Dtype::f32, 0, 4, 0, 16));
  CHECK(fails_with(p) == "<no error>");
}

TEST_CASE("happens-before is transitive through a chain of semaphores") {
  // dma0 writes; vector waits for it, signals scalar; scalar reads: ordered.
  Program p = new_program(4096);
  AccessPattern tile = sb(Dtype::f32, 0, 2, 0, 8);
  p.stream(kDma0).insts = {dma(tile, hbm2(Dtype::f32, 0, 2, 8)), sem_signal(0)};
  p.stream(kVector).insts = {sem_wait(0), sem_signal(1)};
  p.stream(kScalar).insts = {sem_wait(1), copy_sb(sb(Dtype::f32, 0, 2, 64, 8), tile)};
  CHECK(fails_with(p) == "<no error>");
}

TEST_CASE("uninitialised SBUF reads warn by default and fail under --strict") {
  Program p = new_program(64);
  p.stream(kVector).insts = {memset_sb(sb(Dtype::f32, 0, 2, 0, 4), 1.0f),
                             copy_sb(sb(Dtype::f32, 0, 2, 64, 8), sb(Dtype::f32, 0, 2, 0, 8))};
  std::vector<uint8_t> hbm(64);
  auto r = run(p, hbm);
  REQUIRE(bool(r));
  REQUIRE(r->warnings.size() == 1);
  CHECK(contains(r->warnings[0].message, "vector[1] tensor_copy: operand 'src' reads sbuf bytes never written "
                                         "(first: partition 0, byte 16)"));
  SimOptions strict;
  strict.strict = true;
  CHECK(contains(fails_with(p, strict), "never written"));
  // Fully written first: no warning.
  p.stream(kVector).insts[0] = memset_sb(sb(Dtype::f32, 0, 2, 0, 8), 1.0f);
  auto ok = run(p, hbm);
  REQUIRE(bool(ok));
  CHECK(ok->warnings.empty());
}

TEST_CASE("unsafe programs are refused with a message, never executed") {
  auto one = [](StreamId s, Instruction i, uint64_t hbm_size = 64) {
    Program p = new_program(hbm_size);
    p.stream(s).insts.push_back(i);
    return fails_with(p);
  };
  // Past the end of a partition.
  CHECK(contains(one(kVector, memset_sb(sb(Dtype::f32, 0, 1, 224 * 1024 - 8, 4), 0)),
                 "out of bounds: bytes [229368, 229384) of a sbuf partition of 229376 bytes"));
  // Partitions past 128.
  CHECK(contains(one(kVector, memset_sb(sb(Dtype::f32, 120, 16, 0, 4), 0)), "partitions [120, 136)"));
  // Negative strides walking below byte 0.
  CHECK(contains(one(kVector, memset_sb(onchip(Memory::sbuf, Dtype::f32, 0, 1, 4, {{-1, 4}}), 0)), "out of bounds"));
  // HBM beyond the image.
  CHECK(contains(one(kDma0, dma(sb(Dtype::f32, 0, 1, 0, 32), hbm2(Dtype::f32, 0, 1, 32))),
                 "of an HBM image of 64 bytes"));
  // Address arithmetic that would overflow.
  CHECK(
      contains(one(kDma0, dma(sb(Dtype::f32, 0, 1, 0, 2), hbm_ap(Dtype::f32, 0, {{INT64_MAX / 2, 2}}))), "overflows"));
  // Shape mismatches.
  CHECK(contains(one(kVector, copy_sb(sb(Dtype::f32, 0, 2, 0, 8), sb(Dtype::f32, 0, 2, 64, 4))),
                 "src has 4 elements per partition but dst has 8"));
  Instruction mm = Instruction::make(Opcode::nc_matmul);
  mm.ap[ap::nc_matmul::dst] = ps(Dtype::f32, 0, 4, 0, 8);
  mm.ap[ap::nc_matmul::stationary] = sb(Dtype::f32, 0, 16, 0, 4);
  mm.ap[ap::nc_matmul::moving] = sb(Dtype::f32, 0, 8, 64, 8);
  CHECK(contains(one(kTensor, mm), "contraction"));
  // Wrong engine, HBM from a compute engine, a missing operand, bad enums.
  CHECK(contains(one(kScalar, memset_sb(sb(Dtype::f32, 0, 1, 0, 4), 0)), "cannot run on the scalar engine"));
  CHECK(contains(one(kVector, memset_sb(hbm2(Dtype::f32, 0, 1, 4), 0)), "cannot address HBM"));
  Instruction missing = Instruction::make(Opcode::tensor_copy);
  missing.ap[ap::tensor_copy::dst] = sb(Dtype::f32, 0, 1, 0, 4);
  CHECK(contains(one(kVector, missing), "required operand 'src' is missing"));
  Instruction bad_alu = Instruction::make(Opcode::tensor_tensor);
  bad_alu.ap[0] = bad_alu.ap[1] = bad_alu.ap[2] = sb(Dtype::f32, 0, 1, 0, 4);
  bad_alu.set_int(attr::tensor_tensor::op, 200);
  CHECK(contains(one(kVector, bad_alu), "attribute 'op' has invalid value 200"));
  CHECK(contains(one(kVector, sem_wait(999)), "attribute 'sem' has invalid value 999"));
  AccessPattern too_many = sb(Dtype::f32, 0, 1, 0, 4);
  too_many.num_dims = 9;
  CHECK(contains(one(kVector, memset_sb(too_many, 0)), "has 9 dims"));
  // A broadcast pattern too big for the scratch buffers.
  CHECK(contains(one(kVector, memset_sb(onchip(Memory::sbuf, Dtype::f32, 0, 1, 0, {{0, 1u << 16}, {0, 1u << 16}}), 0)),
                 "elements per partition"));
  // Streams the target does not have.
  Program q = new_program(64);
  q.stream(StreamId{Engine::dma, 40}).insts.push_back(sem_signal(0));
  CHECK(contains(fails_with(q), "DMA queue 40"));
  // An HBM image smaller than the program says.
  Program r = new_program(1024);
  std::vector<uint8_t> small(16);
  auto res = run(r, small);
  REQUIRE(!res);
  CHECK(contains(error_text(res.takeError()), "HBM image has 16 bytes"));
}

TEST_CASE("several signallers: a wait is ordered after the signals that reached its value") {
  // vector signals sem 0 at once; gpsimd writes the tile, then signals sem 0.
  // scalar's wait for 1 is satisfied by vector's signal alone, so its read
  // is not ordered after gpsimd's write; a wait for 2 needs both signals.
  auto build = [](int64_t wait_value) {
    Program p = new_program(64);
    AccessPattern tile = sb(Dtype::f32, 0, 2, 0, 512);
    p.stream(kVector).insts = {sem_signal(0)};
    p.stream(kGpsimd).insts = {memset_sb(tile, 1.0f), sem_signal(0)};
    p.stream(kScalar).insts = {sem_wait(0, wait_value), copy_sb(sb(Dtype::f32, 0, 2, 4096, 512), tile)};
    return p;
  };
  std::string e = fails_with(build(1));
  CHECK(contains(e, "scalar[1] tensor_copy reads it"));
  CHECK(contains(e, "gpsimd[0] memset writes it"));
  CHECK(fails_with(build(2)) == "<no error>");
}

TEST_CASE("race: the first racing location in access order is reported") {
  // gpsimd writes partition 3, granule 0 and partition 1, granule 5; vector,
  // busy in PSUM first (so the SBUF port it shares with gpsimd is free),
  // then writes partitions [0:4] x 8 granules,
  // unordered. Rows come first: partition 1 byte 20, although partition 3's
  // race is at a lower byte.
  Program p = new_program(64);
  p.stream(kGpsimd).insts = {memset_sb(sb(Dtype::f32, 3, 1, 0, 1), 1.0f), memset_sb(sb(Dtype::f32, 1, 1, 20, 1), 1.0f)};
  Instruction psum_fill = Instruction::make(Opcode::memset);
  psum_fill.ap[ap::memset::dst] = ps(Dtype::f32, 0, 128, 0, 4096);
  p.stream(kVector).insts = {psum_fill, memset_sb(sb(Dtype::f32, 0, 4, 0, 8), 2.0f)};
  std::string e = fails_with(p);
  INFO(e);
  CHECK(contains(e, "race on sbuf partition 1 byte 20"));
  CHECK(contains(e, "gpsimd[1] memset writes it"));
  // Within a row, runs in walk order: a reversed strided pattern (bytes 28,
  // 20, 12, 4) meets byte 28 first.
  p.stream(kVector).insts[1] = memset_sb(onchip(Memory::sbuf, Dtype::f32, 3, 1, 28, {{-2, 4}, {1, 1}}), 2.0f);
  p.stream(kGpsimd).insts[0] = memset_sb(sb(Dtype::f32, 3, 1, 12, 1), 1.0f);
  p.stream(kGpsimd).insts[1] = memset_sb(sb(Dtype::f32, 3, 1, 28, 1), 1.0f);
  e = fails_with(p);
  CHECK(contains(e, "race on sbuf partition 3 byte 28"));
}

TEST_CASE("race: a read-write race inside a tile shared by concurrent readers") {
  // Two engines read a [0:8] tile concurrently (a read set); a third writes
  // one partition of it after waiting only for the first reader.
  Program p = new_program(64);
  AccessPattern tile = sb(Dtype::f32, 0, 8, 0, 16);
  p.stream(kGpsimd).insts = {memset_sb(tile, 1.0f), sem_signal(0, 2)};
  p.stream(kVector).insts = {sem_wait(0, 2), copy_sb(sb(Dtype::f32, 0, 8, 256, 16), tile), sem_signal(1)};
  p.stream(kScalar).insts = {sem_wait(0, 2), copy_sb(sb(Dtype::f32, 0, 8, 512, 16), tile)};
  p.stream(kGpsimd).insts.push_back(sem_wait(1));
  p.stream(kGpsimd).insts.push_back(memset_sb(sb(Dtype::f32, 5, 1, 8, 2), 3.0f));
  std::string e = fails_with(p);
  CHECK(contains(e, "race on sbuf partition 5 byte 8"));
  CHECK(contains(e, "gpsimd[3] memset writes it"));
  CHECK(contains(e, "scalar[1] tensor_copy reads it"));
}
