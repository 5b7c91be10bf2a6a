// The back-end passes on a hand-built LIR program (row softmax of an 8x16
// tile, with the final scaling done twice into two buffers to create reuse).
// Checks: the emitted program verifies; every cross-stream dependency is
// covered by a wait; no wait is redundant with an earlier one; memory never
// overlaps while live; running out of memory names the largest tiles.
// And, on programs of HBM copies: the scheduler's dependencies order every
// conflict a byte-by-byte analysis finds, and link only conflicting
// instructions (so strided blocks with disjoint bytes stay independent);
// their number grows linearly when a loop rewrites one HBM range.
#include "compiler/backend/dependences.h"
#include "compiler/backend/passes.h"
#include "compiler/lir/verify.h"
#include "runtime/asm_printer.h"

#include <doctest/doctest.h>

#include <map>

using namespace nk;
using namespace nk::lir;

namespace {

AccessPattern tile(Dtype dt, uint16_t parts, uint32_t cols) {
  AccessPattern a;
  a.mem = Memory::sbuf;
  a.dtype = dt;
  a.num_partitions = parts;
  a.num_dims = 1;
  a.dims[0] = Dim{1, cols};
  return a;
}
AccessPattern hbm_rows(uint64_t offset, uint32_t rows, uint32_t cols) {
  AccessPattern a;
  a.mem = Memory::hbm;
  a.offset = offset;
  a.num_dims = 2;
  a.dims[0] = Dim{int64_t(cols), rows};
  a.dims[1] = Dim{1, cols};
  return a;
}

struct Builder {
  lir::Program p;
  BufferId buf(const char *name, uint32_t parts, uint64_t bytes, Memory m = Memory::sbuf) {
    Buffer b;
    b.name = name;
    b.mem = m;
    b.partitions = parts;
    b.bytes = bytes;
    return p.add_buffer(b);
  }
  Inst &add(Opcode op, EngineMask engines) {
    Inst in;
    in.inst = Instruction::make(op);
    in.engines = engines;
    p.insts.push_back(in);
    return p.insts.back();
  }
  void set(Inst &in, unsigned slot, AccessPattern a, BufferId b = kNoBuffer) {
    in.inst.ap[slot] = a;
    in.buffer[slot] = b;
  }
};

const EngineMask kAnyElementwise = engine_bit(Engine::vector) | engine_bit(Engine::gpsimd) | engine_bit(Engine::scalar);

lir::Program softmax_lir(uint32_t rows, uint32_t cols) {
  Builder b;
  b.p.kernel = "softmax";
  b.p.target = "trn2";
  uint64_t bytes = uint64_t(rows) * cols * 4;
  b.p.hbm_size = 2 * bytes;
  b.p.tensors = {TensorDecl{"x", Dtype::f32, {rows, cols}, 0, TensorKind::input},
                 TensorDecl{"out", Dtype::f32, {rows, cols}, bytes, TensorKind::output}};
  BufferId x = b.buf("x", rows, cols * 4), m = b.buf("m", rows, 4), nm = b.buf("nm", rows, 4);
  BufferId e = b.buf("e", rows, cols * 4), s = b.buf("s", rows, 4), r = b.buf("r", rows, 4);
  BufferId o = b.buf("o", rows, cols * 4);
  auto F = Dtype::f32;
  {
    Inst &in = b.add(Opcode::dma_copy, engine_bit(Engine::dma));
    b.set(in, ap::dma_copy::dst, tile(F, rows, cols), x);
    b.set(in, ap::dma_copy::src, hbm_rows(0, rows, cols));
  }
  {
    Inst &in = b.add(Opcode::tensor_reduce, engine_bit(Engine::vector));
    b.set(in, ap::tensor_reduce::dst, tile(F, rows, 1), m);
    b.set(in, ap::tensor_reduce::src, tile(F, rows, cols), x);
    in.inst.attr[attr::tensor_reduce::op].i = int64_t(AluOp::max);
  }
  {
    Inst &in = b.add(Opcode::tensor_scalar, kAnyElementwise);
    b.set(in, ap::tensor_scalar::dst, tile(F, rows, 1), nm);
    b.set(in, ap::tensor_scalar::src, tile(F, rows, 1), m);
    in.inst.attr[attr::tensor_scalar::op0].i = int64_t(AluOp::multiply);
    in.inst.set_float(attr::tensor_scalar::imm0, -1.0f);
  }
  {
    Inst &in = b.add(Opcode::activation, engine_bit(Engine::scalar));
    b.set(in, ap::activation::dst, tile(F, rows, cols), e);
    b.set(in, ap::activation::src, tile(F, rows, cols), x);
    b.set(in, ap::activation::bias, tile(F, rows, 1), nm);
    b.set(in, ap::activation::reduce_dst, tile(F, rows, 1), s);
    in.inst.set_int(attr::activation::reduce_cmd, kReduceResetReduce);
    in.inst.attr[attr::activation::func].i = int64_t(ActFunc::exp);
  }
  {
    Inst &in = b.add(Opcode::activation, engine_bit(Engine::scalar));
    b.set(in, ap::activation::dst, tile(F, rows, 1), r);
    b.set(in, ap::activation::src, tile(F, rows, 1), s);
    in.inst.attr[attr::activation::func].i = int64_t(ActFunc::reciprocal);
  }
  {
    Inst &in = b.add(Opcode::tensor_scalar, kAnyElementwise);
    b.set(in, ap::tensor_scalar::dst, tile(F, rows, cols), o);
    b.set(in, ap::tensor_scalar::src, tile(F, rows, cols), e);
    b.set(in, ap::tensor_scalar::scalar0, tile(F, rows, 1), r);
    in.inst.attr[attr::tensor_scalar::op0].i = int64_t(AluOp::multiply);
  }
  {
    Inst &in = b.add(Opcode::dma_copy, engine_bit(Engine::dma));
    b.set(in, ap::dma_copy::dst, hbm_rows(bytes, rows, cols));
    b.set(in, ap::dma_copy::src, tile(F, rows, cols), o);
  }
  return std::move(b.p);
}

llvm::Expected<nk::Program> run_backend(lir::Program p, const Target &t) {
  REQUIRE(llvm::toString(schedule(p, t)) == "");
  assign_dma_queues(p, t);
  if (auto e = allocate_memory(p, t)) return e;
  if (auto e = insert_semaphores(p, t)) return e;
  return emit_program(std::move(p), t);
}

} // namespace

TEST_CASE("softmax LIR lowers to a verified, synchronised program") {
  const Target &t = *find_target("trn2");
  auto prog = run_backend(softmax_lir(8, 16), t);
  REQUIRE_MESSAGE(prog, llvm::toString(prog.takeError()));
  // Every wait refers to a count its semaphore's owner stream does reach.
  std::map<int64_t, int64_t> signals;
  for (const Stream &s : prog->streams)
    for (const Instruction &i : s.insts)
      if (i.op == Opcode::sem_signal) signals[i.get_int(attr::sem_signal::sem)] += i.get_int(attr::sem_signal::value);
  int waits = 0;
  for (const Stream &s : prog->streams)
    for (const Instruction &i : s.insts)
      if (i.op == Opcode::sem_wait) {
        ++waits;
        CHECK(i.get_int(attr::sem_wait::value) <= signals[i.get_int(attr::sem_wait::sem)]);
      }
  // load -> reduce, (engine hops) ..., scale -> store: at least the load and
  // the store must be ordered against compute.
  CHECK(waits >= 2);
  // A dependency chain entirely on one engine needs no semaphores there.
  for (const Stream &s : prog->streams) {
    if (s.id.engine != Engine::scalar) continue;
    int local_waits = 0;
    for (const Instruction &i : s.insts)
      if (i.op == Opcode::sem_wait && i.get_int(attr::sem_wait::sem) == 2) ++local_waits;
    CHECK(local_waits == 0);
  }
}

TEST_CASE("allocation keeps live buffers apart and rotates freed space") {
  const Target &t = *find_target("trn2");
  lir::Program p = softmax_lir(8, 16);
  REQUIRE(llvm::toString(schedule(p, t)) == "");
  assign_dma_queues(p, t);
  llvm::Error alloc_err = allocate_memory(p, t);
  REQUIRE_FALSE(bool(alloc_err));
  // x, e and o are live together at the final scale; their ranges must not overlap.
  auto range = [&](const char *name) {
    for (const Buffer &b : p.buffers)
      if (b.name == name) return std::make_pair(b.offset, b.offset + b.bytes);
    return std::make_pair(uint64_t(0), uint64_t(0));
  };
  auto e = range("e"), o = range("o"), r = range("r");
  CHECK((e.second <= o.first || o.second <= e.first));
  CHECK((r.second <= o.first || o.second <= r.first));
  // m is dead once nm exists... but the allocator prefers never-used space,
  // so no two buffers of this small program share bytes at all.
  std::vector<std::pair<uint64_t, uint64_t>> all;
  for (const Buffer &b : p.buffers) all.push_back({b.offset, b.offset + b.bytes});
  for (size_t i = 0; i < all.size(); ++i)
    for (size_t j = i + 1; j < all.size(); ++j) CHECK((all[i].second <= all[j].first || all[j].second <= all[i].first));
}

TEST_CASE("running out of SBUF is an error naming the largest live tiles") {
  const Target &t = *find_target("trn1");
  lir::Program p = softmax_lir(8, 16);
  p.buffers[0].bytes = 100 * 1024; // x
  p.buffers[3].bytes = 100 * 1024; // e: live together with x
  REQUIRE(llvm::toString(schedule(p, t)) == "");
  assign_dma_queues(p, t);
  llvm::Error err = allocate_memory(p, t);
  REQUIRE(bool(err));
  std::string msg = llvm::toString(std::move(err));
  CHECK(msg.find("out of sbuf memory: tile %e needs 102400 bytes") != std::string::npos);
  CHECK(msg.find("%x: 102400 bytes per partition") != std::string::npos);
}

TEST_CASE("a DMA queue that reuses its own data waits for its own transfers") {
  const Target &t = *find_target("trn2");
  Builder b;
  b.p.kernel = "bounce";
  b.p.target = "trn2";
  b.p.hbm_size = 1024;
  BufferId x = b.buf("x", 4, 32);
  Inst &load = b.add(Opcode::dma_copy, engine_bit(Engine::dma));
  b.set(load, ap::dma_copy::dst, tile(Dtype::f32, 4, 8), x);
  b.set(load, ap::dma_copy::src, hbm_rows(0, 4, 8));
  load.stream = {Engine::dma, 3};
  load.placed = true;
  Inst &store = b.add(Opcode::dma_copy, engine_bit(Engine::dma));
  b.set(store, ap::dma_copy::dst, hbm_rows(512, 4, 8));
  b.set(store, ap::dma_copy::src, tile(Dtype::f32, 4, 8), x);
  store.stream = {Engine::dma, 3};
  store.placed = true;
  auto prog = run_backend(std::move(b.p), t);
  REQUIRE_MESSAGE(prog, llvm::toString(prog.takeError()));
  REQUIRE(prog->streams.size() == 1);
  const auto &insts = prog->streams[0].insts;
  REQUIRE(insts.size() == 4);
  CHECK(insts[1].op == Opcode::sem_signal);
  CHECK(insts[2].op == Opcode::sem_wait);
  CHECK(insts[2].get_int(attr::sem_wait::sem) == 4 + 3);
  CHECK(insts[2].get_int(attr::sem_wait::value) == 1);
}

TEST_CASE("HBM dependencies compare the bytes, not the hulls: column blocks of one matrix are independent") {
  // hbm_runs: a [4 | 8] column block of a row-major [4, 32] f32 matrix.
  AccessPattern block = hbm_rows(0, 4, 8);
  block.dims[0].stride = 32;
  std::vector<std::pair<uint64_t, uint64_t>> a, b;
  REQUIRE(hbm_runs(block, 64, a));
  REQUIRE(a.size() == 4);
  CHECK(a[1] == std::make_pair<uint64_t, uint64_t>(128, 160));
  AccessPattern next = block;
  next.offset = 32; // columns 8..15: its hull overlaps the first block's
  REQUIRE(hbm_runs(next, 64, b));
  CHECK(byte_extent(next).first < byte_extent(block).second);
  CHECK_FALSE(runs_overlap(a, b));
  AccessPattern row = hbm_rows(128, 1, 32); // row 1: meets both blocks
  std::vector<std::pair<uint64_t, uint64_t>> r;
  REQUIRE(hbm_runs(row, 64, r));
  CHECK(runs_overlap(a, r));
  CHECK(runs_overlap(b, r));
  CHECK_FALSE(hbm_runs(block, 3, a)); // more runs than the cap

  // Two stores of column blocks on two queues: neither waits for the other.
  const Target &t = *find_target("trn2");
  Builder bl;
  bl.p.kernel = "columns";
  bl.p.target = "trn2";
  bl.p.hbm_size = 4 * 32 * 4;
  BufferId x = bl.buf("x", 4, 32);
  Inst &fill = bl.add(Opcode::memset, engine_bit(Engine::vector));
  bl.set(fill, ap::memset::dst, tile(Dtype::f32, 4, 8), x);
  for (unsigned j = 0; j < 2; ++j) {
    Inst &store = bl.add(Opcode::dma_copy, engine_bit(Engine::dma));
    AccessPattern dst = block;
    dst.offset = 32 * j;
    bl.set(store, ap::dma_copy::dst, dst);
    bl.set(store, ap::dma_copy::src, tile(Dtype::f32, 4, 8), x);
    store.stream = {Engine::dma, uint8_t(j)};
    store.placed = true;
  }
  auto prog = run_backend(std::move(bl.p), t);
  REQUIRE_MESSAGE(prog, llvm::toString(prog.takeError()));
  for (const Stream &s : prog->streams) {
    if (s.id.engine != Engine::dma) continue;
    for (const Instruction &i : s.insts)
      if (i.op == Opcode::sem_wait) // only on the memset's engine (vector: semaphore 1)
        CHECK(i.get_int(attr::sem_wait::sem) == 1);
  }
}

TEST_CASE("schedule: an instruction no engine may run is an internal error naming its source") {
  // tensor_reduce with abs_max: no engine's rules allow it (the front end
  // refuses it first; this is what a front-end gap would meet). (It was
  // subtract, which NKI 2.26 lists as a legal reduction.)
  lir::Program p = softmax_lir(8, 64);
  p.files = {"k.tile"};
  for (Inst &in : p.insts)
    if (in.inst.op == Opcode::tensor_reduce) {
      in.inst.attr[attr::tensor_reduce::op].i = int64_t(AluOp::abs_max);
      in.inst.loc = DebugLoc{1, 7, 12};
    }
  std::string err = llvm::toString(schedule(p, *find_target("trn2")));
  CHECK(err.find("internal compiler error: no engine can run tensor_reduce from k.tile:7:12") != std::string::npos);
  CHECK(err.find("it may run on vector, and") != std::string::npos);
}

TEST_CASE("the LIR verifier holds each pass to its stage and names what breaks") {
  const Target &t = *find_target("trn2");
  lir::Program p = softmax_lir(8, 64);
  CHECK(lir::verify_program(p, t, {}) == "");
  // Placement is required only once schedule has run.
  CHECK(lir::verify_program(p, t, {true, false, false}).find("not placed on a stream") != std::string::npos);
  REQUIRE(llvm::toString(schedule(p, t)) == "");
  CHECK(lir::verify_program(p, t, {true, false, false}) == "");
  CHECK(lir::verify_program(p, t, {true, true, false}).find("dma_copy): not placed") != std::string::npos);
  assign_dma_queues(p, t);
  CHECK(lir::verify_program(p, t, {true, true, false}) == "");
  CHECK(lir::verify_program(p, t, {true, true, true}).find("has no address after allocation") != std::string::npos);
  REQUIRE(!allocate_memory(p, t));
  CHECK(lir::verify_program(p, t, {true, true, true}) == "");
  // Broken on purpose: an operand past its buffer, a wrong engine.
  lir::Program q = p;
  for (Inst &in : q.insts)
    if (in.inst.op == Opcode::tensor_reduce) in.inst.ap[ap::tensor_reduce::src].dims[0].count += 1;
  CHECK(lir::verify_program(q, t, {true, true, true}).find("outside buffer") != std::string::npos);
  q = p;
  for (Inst &in : q.insts)
    if (in.inst.op == Opcode::tensor_reduce) in.stream.engine = Engine::scalar;
  CHECK(lir::verify_program(q, t, {true, true, true}).find("placed on scalar, which is not one of its engines") !=
        std::string::npos);
}

namespace {

// Instruction i of these programs carries line i + 1, so that it can be
// found again after schedule() reorders them.
void number_lines(lir::Program &p) {
  for (size_t i = 0; i < p.insts.size(); ++i) p.insts[i].inst.loc = DebugLoc{0, uint32_t(i + 1), 1};
}

// N iterations of: load x -> t; store t -> out; load out -> u; store u -> y,
// each iteration with fresh tiles (as unrolling a sequential loop makes
// them): out and y are written again every iteration.
lir::Program repeated_store_lir(unsigned iters) {
  Builder b;
  b.p.kernel = "repeat";
  b.p.target = "trn2";
  const uint64_t bytes = 4 * 8 * 4;
  b.p.hbm_size = 3 * bytes;
  for (unsigned i = 0; i < iters; ++i) {
    BufferId t = b.buf("t", 4, 32), u = b.buf("u", 4, 32);
    auto copy = [&](AccessPattern dst, BufferId db, AccessPattern src, BufferId sb) {
      Inst &in = b.add(Opcode::dma_copy, engine_bit(Engine::dma));
      b.set(in, ap::dma_copy::dst, dst, db);
      b.set(in, ap::dma_copy::src, src, sb);
    };
    copy(tile(Dtype::f32, 4, 8), t, hbm_rows(0, 4, 8), kNoBuffer);
    copy(hbm_rows(bytes, 4, 8), kNoBuffer, tile(Dtype::f32, 4, 8), t);
    copy(tile(Dtype::f32, 4, 8), u, hbm_rows(bytes, 4, 8), kNoBuffer);
    copy(hbm_rows(2 * bytes, 4, 8), kNoBuffer, tile(Dtype::f32, 4, 8), u);
  }
  number_lines(b.p);
  return std::move(b.p);
}

// The bytes an operand touches: its buffer's bytes (the hull within each
// partition, in whole 4-byte granules, partitions not told apart), or its
// HBM bytes (enumerated element by element, independently of hbm_runs).
struct Footprint {
  BufferId buffer = kNoBuffer;
  uint64_t lo = 0, hi = 0; // in the buffer
  std::vector<bool> hbm;   // per byte
  bool write = false;
  unsigned acc_bank = 0; // an engine's accumulator registers (AccumulatorBank), used as state
};
std::vector<Footprint> footprints(const lir::Program &p, const Inst &in) {
  std::vector<Footprint> out;
  const OpInfo &info = op_info(in.inst.op);
  for (unsigned k = 0; k < info.num_aps; ++k) {
    const AccessPattern &a = in.inst.ap[k];
    if (!a.present()) continue;
    Footprint f;
    f.write = info.aps[k].role == FieldRole::Out;
    f.buffer = in.buffer[k];
    if (f.buffer != kNoBuffer) {
      auto [lo, hi] = byte_extent(a);
      f.lo = lo / 4 * 4;
      f.hi = (hi + 3) / 4 * 4;
    }
    if (a.mem == Memory::hbm) {
      f.hbm.assign(p.hbm_size, false);
      const uint64_t esz = dtype_size(a.dtype);
      std::vector<uint64_t> idx(a.num_dims, 0);
      for (uint64_t e = 0; e < a.num_elements(); ++e) {
        int64_t off = int64_t(a.offset);
        for (unsigned d = 0; d < a.num_dims; ++d) off += a.dims[d].stride * int64_t(idx[d]) * int64_t(esz);
        for (uint64_t byte = 0; byte < esz; ++byte) f.hbm.at(uint64_t(off) + byte) = true;
        for (int d = int(a.num_dims) - 1; d >= 0; --d) {
          if (++idx[unsigned(d)] < a.dims[unsigned(d)].count) break;
          idx[unsigned(d)] = 0;
        }
      }
    }
    out.push_back(std::move(f));
  }
  if (const AccumulatorBank bank = accumulator_use(in.inst).bank; bank != AccumulatorBank::none) {
    Footprint f;
    f.write = true;
    f.acc_bank = unsigned(bank);
    out.push_back(std::move(f));
  }
  return out;
}
bool conflict(const std::vector<Footprint> &x, const std::vector<Footprint> &y) {
  for (const Footprint &a : x)
    for (const Footprint &b : y) {
      if (!a.write && !b.write) continue;
      if (a.buffer != kNoBuffer && a.buffer == b.buffer && a.lo < b.hi && b.lo < a.hi) return true;
      if (a.acc_bank && a.acc_bank == b.acc_bank) return true;
      if (!a.hbm.empty() && !b.hbm.empty())
        for (size_t i = 0; i < a.hbm.size(); ++i)
          if (a.hbm[i] && b.hbm[i]) return true;
    }
  return false;
}

// compute_dependences(p), as one list of predecessors per instruction.
std::vector<std::vector<uint32_t>> dependence_lists(const lir::Program &p) {
  const Dependences d = compute_dependences(p);
  std::vector<std::vector<uint32_t>> preds;
  for (uint32_t i = 0; i < d.size(); ++i) preds.push_back(d.preds(i).vec());
  return preds;
}

// Checks compute_dependences(p) against the conflicts of p's operands:
// every edge joins two conflicting instructions, and every conflicting pair
// is ordered by a path of edges; then that schedule() keeps every
// conflicting pair in order.
void check_dependencies(const lir::Program &p) {
  const size_t n = p.insts.size();
  std::vector<std::vector<Footprint>> fp;
  for (const Inst &in : p.insts) fp.push_back(footprints(p, in));
  const auto preds = dependence_lists(p);
  REQUIRE(preds.size() == n);
  std::vector<std::vector<bool>> reach(n, std::vector<bool>(n, false)); // reach[j][i]: j follows i
  for (size_t j = 0; j < n; ++j)
    for (uint32_t i : preds[j]) {
      REQUIRE(i < j);
      CHECK_MESSAGE(conflict(fp[i], fp[j]), "edge ", i, " -> ", j, " joins independent instructions");
      reach[j][i] = true;
      for (size_t k = 0; k < n; ++k)
        if (reach[i][k]) reach[j][k] = true;
    }
  for (size_t j = 0; j < n; ++j)
    for (size_t i = 0; i < j; ++i)
      if (conflict(fp[i], fp[j])) CHECK_MESSAGE(reach[j][i], "instruction ", j, " is not ordered after ", i);

  lir::Program s = p;
  REQUIRE(llvm::toString(schedule(s, *find_target("trn2"))) == "");
  std::vector<size_t> pos(n);
  for (size_t k = 0; k < n; ++k) pos[s.insts[k].inst.loc.line - 1] = k;
  for (size_t j = 0; j < n; ++j)
    for (size_t i = 0; i < j; ++i)
      if (conflict(fp[i], fp[j])) CHECK_MESSAGE(pos[i] < pos[j], "the schedule swaps ", i, " and ", j);
}

size_t count_edges(const lir::Program &p) {
  size_t edges = 0;
  for (const auto &pr : dependence_lists(p)) edges += pr.size();
  return edges;
}

} // namespace

TEST_CASE("schedule: users of an engine's accumulator registers keep program order") {
  // Three activations on unrelated buffers share the Scalar engine's
  // registers (reset_reduce, reduce, reset): each follows the one before;
  // a plain activation (idle, no reduce_dst) and a range_select (the Vector
  // engine's registers) join no chain of the Scalar engine's.
  Builder b;
  b.p.kernel = "acc";
  b.p.target = "trn2";
  auto act = [&](int64_t cmd, bool read_out) {
    BufferId x = b.buf("x", 4, 32), y = b.buf("y", 4, 32);
    Inst &in = b.add(Opcode::activation, engine_bit(Engine::scalar));
    b.set(in, ap::activation::dst, tile(Dtype::f32, 4, 8), y);
    b.set(in, ap::activation::src, tile(Dtype::f32, 4, 8), x);
    if (read_out) b.set(in, ap::activation::reduce_dst, tile(Dtype::f32, 4, 1), b.buf("r", 4, 4));
    in.inst.set_int(attr::activation::reduce_cmd, cmd);
  };
  act(kReduceResetReduce, false); // 0
  act(kReduceIdle, false);        // 1: no accumulator
  act(kReduceReduce, true);       // 2
  {
    Inst &in = b.add(Opcode::range_select, engine_bit(Engine::vector)); // 3
    b.set(in, ap::range_select::dst, tile(Dtype::f32, 4, 8), b.buf("d", 4, 32));
    b.set(in, ap::range_select::on_true, tile(Dtype::f32, 4, 8), b.buf("t", 4, 32));
    b.set(in, ap::range_select::bound0, tile(Dtype::f32, 4, 1), b.buf("b0", 4, 4));
    b.set(in, ap::range_select::bound1, tile(Dtype::f32, 4, 1), b.buf("b1", 4, 4));
    in.inst.set_int(attr::range_select::cmp0, int64_t(AluOp::is_ge));
    in.inst.set_int(attr::range_select::cmp1, int64_t(AluOp::is_lt));
  }
  act(kReduceReset, false); // 4
  number_lines(b.p);
  const auto preds = dependence_lists(b.p);
  CHECK(preds[0].empty());
  CHECK(preds[1].empty());
  CHECK(preds[2] == std::vector<uint32_t>{0});
  CHECK(preds[3].empty());
  CHECK(preds[4] == std::vector<uint32_t>{2});
  check_dependencies(b.p);
}

TEST_CASE("schedule: dependencies on an HBM range written every iteration stay linear") {
  // Each iteration needs 6 edges: store out after its load, the previous
  // store out and the previous load of out; load out after the store; store
  // y after its load and the previous store y. Linking every access to all
  // overlapping earlier ones instead makes about N^2 edges.
  const unsigned n = 2000;
  lir::Program p = repeated_store_lir(n);
  CHECK(count_edges(p) <= 8 * size_t(n));
  // The schedule still follows every WAW, RAW and WAR on out and y.
  check_dependencies(repeated_store_lir(30));
}

TEST_CASE("dependences: per buffer until allocated, then per address") {
  // memset a; copy c <- a; copy d <- a; memset a; memset c.
  Builder b;
  b.p.kernel = "reuse";
  b.p.target = "trn2";
  const BufferId a = b.buf("a", 4, 32), c = b.buf("c", 4, 32), d = b.buf("d", 4, 32);
  auto at = [&](BufferId buf) {
    AccessPattern x = tile(Dtype::f32, 4, 8);
    if (b.p.buffers[buf].allocated) x.offset = b.p.buffers[buf].offset;
    return x;
  };
  auto build = [&] {
    b.p.insts.clear();
    auto memset = [&](BufferId buf) { b.set(b.add(Opcode::memset, kAnyElementwise), ap::memset::dst, at(buf), buf); };
    auto copy = [&](BufferId dst, BufferId src) {
      Inst &in = b.add(Opcode::tensor_copy, kAnyElementwise);
      b.set(in, ap::tensor_copy::dst, at(dst), dst);
      b.set(in, ap::tensor_copy::src, at(src), src);
    };
    memset(a);
    copy(c, a);
    copy(d, a);
    memset(a);
    memset(c);
  };
  build();
  std::vector<std::vector<uint32_t>> preds = dependence_lists(b.p);
  CHECK(preds[1] == std::vector<uint32_t>{0});
  CHECK(preds[2] == std::vector<uint32_t>{0});
  CHECK(preds[3] == std::vector<uint32_t>{0, 1, 2}); // the last writer and every reader since
  CHECK(preds[4] == std::vector<uint32_t>{1});       // c: its writer; a's accesses are another buffer
  // Allocated, c shares a's bytes and d has its own: c's accesses now meet
  // a's by address (memset c follows the second memset a, which wrote the
  // same bytes), d's do not.
  for (Buffer &buf : b.p.buffers) buf.allocated = true;
  b.p.buffers[d].offset = 64;
  build();
  preds = dependence_lists(b.p);
  CHECK(preds[1] == std::vector<uint32_t>{0});    // reads (and rewrites) what memset a wrote
  CHECK(preds[2] == std::vector<uint32_t>{1});    // reads those bytes, last written as c by copy 1
  CHECK(preds[3] == std::vector<uint32_t>{1, 2}); // the last writer and the reader since
  CHECK(preds[4] == std::vector<uint32_t>{3});
}

TEST_CASE("dependences: column blocks of one unallocated buffer are independent") {
  // A run [4 | 16] loaded a block of 8 columns per DMA (forward-copies makes
  // these), then each block read, then the whole run overwritten. The two
  // loads must not follow each other (they may run on two queues at once),
  // nor a block's reader the other block's load; the final memset follows
  // each block's load and reader.
  Builder b;
  b.p.kernel = "run";
  b.p.target = "trn2";
  b.p.hbm_size = 4 * 16 * 4;
  const BufferId run = b.buf("run", 4, 64);
  auto block = [](uint64_t col0) {
    AccessPattern a = tile(Dtype::f32, 4, 8);
    a.offset = col0 * 4;
    return a;
  };
  for (uint64_t col0 : {0, 8}) { // 0, 1
    Inst &in = b.add(Opcode::dma_copy, engine_bit(Engine::dma));
    b.set(in, ap::dma_copy::dst, block(col0), run);
    AccessPattern src = hbm_rows(0, 4, 8);
    src.offset = col0 * 4;
    src.dims[0].stride = 16;
    b.set(in, ap::dma_copy::src, src, kNoBuffer);
  }
  for (uint64_t col0 : {0, 8}) { // 2, 3
    Inst &in = b.add(Opcode::tensor_copy, kAnyElementwise);
    b.set(in, ap::tensor_copy::dst, tile(Dtype::f32, 4, 8), b.buf("t", 4, 32));
    b.set(in, ap::tensor_copy::src, block(col0), run);
  }
  { // 4
    AccessPattern all = tile(Dtype::f32, 4, 16);
    b.set(b.add(Opcode::memset, kAnyElementwise), ap::memset::dst, all, run);
  }
  number_lines(b.p);
  const auto preds = dependence_lists(b.p);
  CHECK(preds[1].empty());
  CHECK(preds[2] == std::vector<uint32_t>{0});
  CHECK(preds[3] == std::vector<uint32_t>{1});
  CHECK(preds[4] == std::vector<uint32_t>{0, 1, 2, 3}); // each block's last writer and its reader
  check_dependencies(b.p);
}

TEST_CASE("schedule: HBM dependencies follow the bytes of strided operands") {
  // [4, 32] f32 matrix at 0: column blocks [4 | 8] at columns 0 and 8 (their
  // hulls overlap, their bytes do not), then row 1, then the whole matrix.
  Builder b;
  b.p.kernel = "blocks";
  b.p.target = "trn2";
  b.p.hbm_size = 4 * 32 * 4;
  auto store = [&](AccessPattern dst) {
    BufferId x = b.buf("x", 4, 128);
    Inst &in = b.add(Opcode::dma_copy, engine_bit(Engine::dma));
    b.set(in, ap::dma_copy::dst, dst);
    b.set(in, ap::dma_copy::src, tile(Dtype::f32, 4, uint32_t(dst.num_elements() / 4)), x);
  };
  AccessPattern block = hbm_rows(0, 4, 8);
  block.dims[0].stride = 32;
  store(block); // 0
  block.offset = 32;
  store(block);                // 1
  store(hbm_rows(128, 1, 32)); // 2: row 1, meets both blocks
  AccessPattern all = hbm_rows(0, 4, 32);
  BufferId y = b.buf("y", 4, 128);
  Inst &load = b.add(Opcode::dma_copy, engine_bit(Engine::dma)); // 3
  b.set(load, ap::dma_copy::dst, tile(Dtype::f32, 4, 32), y);
  b.set(load, ap::dma_copy::src, all);
  number_lines(b.p);
  const auto preds = dependence_lists(b.p);
  CHECK(preds[1].empty()); // the second block may go before the first
  CHECK(preds[2] == std::vector<uint32_t>{0, 1});
  CHECK(preds[3] == std::vector<uint32_t>{0, 1, 2}); // rows 0, 2, 3 are still the blocks'
  check_dependencies(b.p);
}

TEST_CASE("schedule: HBM dependencies of random strided reads and writes order every conflict") {
  // Overlapping strided windows of a 512-byte HBM range, read, written or
  // copied within HBM, checked against a byte-by-byte conflict analysis.
  uint64_t state = 12345;
  auto next = [&](uint64_t bound) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return (state >> 33) % bound;
  };
  for (int round = 0; round < 20; ++round) {
    Builder b;
    b.p.kernel = "random";
    b.p.target = "trn2";
    b.p.hbm_size = 512;
    auto window = [&] {
      uint32_t rows = uint32_t(1 + next(4)), cols = uint32_t(1 + next(8));
      AccessPattern a = hbm_rows(4 * next(32), rows, cols);
      a.dims[0].stride = int64_t(cols + next(8));
      if (next(4) == 0) a.dims[1].stride = 2; // every other element
      return a;
    };
    for (int i = 0; i < 60; ++i) {
      Inst &in = b.add(Opcode::dma_copy, engine_bit(Engine::dma));
      AccessPattern dst = window(), src = dst;
      switch (next(3)) {
      case 0: // store a tile
        b.set(in, ap::dma_copy::dst, dst);
        b.set(in, ap::dma_copy::src, tile(Dtype::f32, 1, uint32_t(dst.num_elements())), b.buf("t", 1, 256));
        break;
      case 1: // load a tile
        b.set(in, ap::dma_copy::dst, tile(Dtype::f32, 1, uint32_t(src.num_elements())), b.buf("t", 1, 256));
        b.set(in, ap::dma_copy::src, src);
        break;
      default: // copy within HBM (perhaps in place)
        src.offset = next(2) ? dst.offset : 4 * next(32);
        b.set(in, ap::dma_copy::dst, dst);
        b.set(in, ap::dma_copy::src, src);
      }
    }
    number_lines(b.p);
    check_dependencies(b.p);
  }
}
