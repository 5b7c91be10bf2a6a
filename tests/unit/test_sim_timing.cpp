// Simulator timing: instruction costs from the target, engine overlap, DMA
// latency and shared HBM bandwidth, semaphore blocking, and the stats. The
// expected times are derived here from the Target's fields (the published
// formulas), not copied from the simulator.
#include "test_sim_util.h"

#include "runtime/cost_model.h"

#include "llvm/Support/raw_ostream.h"

#include <doctest/doctest.h>

#include <algorithm>

using namespace nk;
using namespace nk::simtest;

namespace {

Instruction scale_op(const AccessPattern &dst, const AccessPattern &src) {
  Instruction i = Instruction::make(Opcode::tensor_scalar);
  i.ap[ap::tensor_scalar::dst] = dst;
  i.ap[ap::tensor_scalar::src] = src;
  i.set_int(attr::tensor_scalar::op0, int64_t(AluOp::multiply));
  i.set_float(attr::tensor_scalar::imm0, 2.0f);
  return i;
}
// A Scalar-engine op of the same cost for trn1, where the Scalar engine runs
// no tensor_scalar (NKI 2.26: add and multiply there only from NeuronCore-v3).
Instruction copy_op(const AccessPattern &dst, const AccessPattern &src) {
  Instruction i = Instruction::make(Opcode::tensor_copy);
  i.ap[ap::tensor_copy::dst] = dst;
  i.ap[ap::tensor_copy::src] = src;
  return i;
}
Instruction memset_sb(const AccessPattern &dst) {
  Instruction i = Instruction::make(Opcode::memset);
  i.ap[ap::memset::dst] = dst;
  return i;
}
const StreamStats &of(const SimStats &s, StreamId id) {
  for (const StreamStats &x : s.streams)
    if (x.id == id) return x;
  FAIL("no such stream");
  return s.streams[0];
}
double ns_of(const Target &t, Engine e, double cycles) { return cycles / t.clock_ghz[unsigned(e)]; }

} // namespace

TEST_CASE("one vector instruction: busy max(MIN_II, N) cycles, visible after the SBUF latency") {
  const Target &t = trn2();
  Program p = new_program(64);
  p.stream(kVector).insts = {memset_sb(sb(Dtype::f32, 0, 128, 0, 512)),
                             scale_op(sb(Dtype::f32, 0, 128, 4096, 512), sb(Dtype::f32, 0, 128, 0, 512))};
  std::vector<uint8_t> hbm(64);
  auto s = run(p, hbm);
  REQUIRE(bool(s));
  const double busy_one = ns_of(t, Engine::vector, std::max<double>(t.min_ii_cycles, 512));
  const double latency = ns_of(t, Engine::vector, t.sbuf_access_cycles);
  // The second reads the first's result: it starts dependent_latency after
  // the first's busy time.
  const double dep = ns_of(t, Engine::vector, t.dependent_latency_cycles[unsigned(Engine::vector)]);
  CHECK(of(*s, kVector).busy_ns == doctest::Approx(2 * busy_one));
  CHECK(s->total_ns == doctest::Approx(2 * busy_one + dep + latency));
  CHECK(of(*s, kVector).idle_ns == doctest::Approx(dep + latency));
  CHECK(s->dependency_stall_ns == doctest::Approx(dep));
  // Reading bytes the first did not write: no wait.
  p.stream(kVector).insts[1] = scale_op(sb(Dtype::f32, 0, 128, 4096, 512), sb(Dtype::f32, 0, 128, 2048, 512));
  auto indep = run(p, hbm);
  REQUIRE(bool(indep));
  CHECK(indep->total_ns == doctest::Approx(2 * busy_one + latency));
  CHECK(indep->dependency_stall_ns == 0);
  CHECK(of(*s, kVector).instructions == 2);
  // Small tiles cost the minimum initiation interval, not N.
  Program small = new_program(64);
  small.stream(kVector).insts = {memset_sb(sb(Dtype::f32, 0, 1, 0, 4))};
  auto s2 = run(small, hbm);
  REQUIRE(bool(s2));
  CHECK(of(*s2, kVector).busy_ns == doctest::Approx(ns_of(t, Engine::vector, t.min_ii_cycles)));
}

TEST_CASE("two engines without dependencies overlap; chained by a semaphore they do not") {
  // Vector and Scalar: they share nothing when neither touches PSUM.
  const Target &t = trn2();
  auto build = [](bool chained) {
    Program p = new_program(64);
    std::vector<Instruction> v, g;
    for (int i = 0; i < 4; ++i) v.push_back(memset_sb(sb(Dtype::f32, 0, 128, 0, 1024)));
    if (chained) {
      v.push_back(sem_signal(0));
      g.push_back(sem_wait(0));
    }
    for (int i = 0; i < 4; ++i)
      g.push_back(scale_op(sb(Dtype::f32, 0, 128, 8192, 1024), sb(Dtype::f32, 0, 128, 16384, 1024)));
    p.stream(kVector).insts = v;
    p.stream(kScalar).insts = g;
    return p;
  };
  std::vector<uint8_t> hbm(64);
  auto par = run(build(false), hbm);
  auto seq = run(build(true), hbm);
  REQUIRE(bool(par));
  REQUIRE(bool(seq));
  const double v_busy = of(*par, kVector).busy_ns, g_busy = of(*par, kScalar).busy_ns;
  CHECK(v_busy == doctest::Approx(4 * ns_of(t, Engine::vector, 1024)));
  CHECK(g_busy == doctest::Approx(4 * ns_of(t, Engine::scalar, 1024)));
  // Overlapped: the total is the longer engine plus latency, far below the sum.
  CHECK(par->total_ns < 0.8 * (v_busy + g_busy));
  CHECK(par->total_ns >= std::max(v_busy, g_busy));
  // Chained: scalar starts only after vector's results are visible.
  CHECK(seq->total_ns > v_busy + g_busy);
  CHECK(of(*seq, kScalar).blocked_ns >= v_busy);
  CHECK(of(*par, kScalar).blocked_ns == 0);
}

TEST_CASE("trn1: Vector and GpSimd share SBUF's port; Vector and Scalar share PSUM access") {
  const Target &t = trn1();
  REQUIRE(t.vector_gpsimd_share_sbuf_port);
  REQUIRE(t.vector_scalar_share_psum);
  std::vector<uint8_t> hbm(64);
  const double v = ns_of(t, Engine::vector, 1024), g = ns_of(t, Engine::gpsimd, 1024);
  const double s_ = ns_of(t, Engine::scalar, 1024);
  // Independent SBUF memsets on Vector and GpSimd: one after the other.
  Program p = new_program(64, "trn1");
  p.stream(kVector).insts = {memset_sb(sb(Dtype::f32, 0, 128, 0, 1024))};
  p.stream(kGpsimd).insts = {memset_sb(sb(Dtype::f32, 0, 128, 8192, 1024))};
  auto a = run(p, hbm);
  REQUIRE(bool(a));
  CHECK(a->total_ns == doctest::Approx(v + g + ns_of(t, Engine::gpsimd, t.sbuf_access_cycles)));
  CHECK(a->port_stall_ns == doctest::Approx(v));
  // Vector writing PSUM and GpSimd writing SBUF: no shared resource.
  Program q = new_program(64, "trn1");
  q.stream(kVector).insts = {memset_sb(ps(Dtype::f32, 0, 128, 0, 512))};
  q.stream(kGpsimd).insts = {memset_sb(sb(Dtype::f32, 0, 128, 8192, 1024))};
  auto b = run(q, hbm);
  REQUIRE(bool(b));
  CHECK(b->port_stall_ns == 0);
  CHECK(b->total_ns == doctest::Approx(g + ns_of(t, Engine::gpsimd, t.sbuf_access_cycles)));
  // Vector and Scalar both reading PSUM: one after the other.
  Program r = new_program(64, "trn1");
  r.stream(kVector).insts = {scale_op(sb(Dtype::f32, 0, 128, 0, 512), ps(Dtype::f32, 0, 128, 0, 512))};
  r.stream(kScalar).insts = {copy_op(sb(Dtype::f32, 0, 128, 8192, 512), ps(Dtype::f32, 0, 128, 4096, 512))};
  auto c = run(r, hbm);
  REQUIRE_MESSAGE(bool(c), error_text(c.takeError()));
  const double v512 = ns_of(t, Engine::vector, 512), s512 = ns_of(t, Engine::scalar, 512);
  CHECK(c->total_ns == doctest::Approx(v512 + s512 + ns_of(t, Engine::scalar, t.sbuf_access_cycles)));
  CHECK(c->port_stall_ns == doctest::Approx(v512));
  (void)s_;
  // NeuronCore-v3 lifts both restrictions: the same programs overlap.
  const Target &t2 = trn2();
  REQUIRE(!t2.vector_gpsimd_share_sbuf_port);
  REQUIRE(!t2.vector_scalar_share_psum);
  for (Program *prog : {&p, &r}) {
    prog->target = "trn2";
    auto x = run(*prog, hbm);
    REQUIRE(bool(x));
    CHECK(x->port_stall_ns == 0);
  }
}

TEST_CASE("trn2: two descriptor generators serve every queue") {
  // Four queues each issue one small load at time 0: two generators take
  // the first two, the other two wait dma_issue_ns for a free one.
  const Target &t = trn2();
  REQUIRE(t.dma_issue_units == 2);
  Program p = new_program(4 * 4096);
  for (unsigned q = 0; q < 4; ++q)
    p.stream(StreamId{Engine::dma, uint8_t(q)}).insts = {
        dma(sb(Dtype::f32, 8 * q, 8, 0, 128), hbm2(Dtype::f32, q * 4096, 8, 128))};
  std::vector<uint8_t> hbm(4 * 4096);
  auto s = run(p, hbm);
  REQUIRE(bool(s));
  CHECK(s->dge_stall_ns == doctest::Approx(2 * t.dma_issue_ns));
  CHECK(s->port_stall_ns == 0);
  CHECK(s->dge_busy_ns == doctest::Approx(4 * t.dma_issue_ns));
  // Some transfer is in flight from the first issue to the last completion.
  CHECK(s->dma_active_ns == doctest::Approx(s->total_ns));
  CHECK(s->total_ns == doctest::Approx(t.dma_issue_ns + dma_alone_ns(t, 0, 8, 4096)));
}

TEST_CASE("dependent one-element instructions on one engine: one per MIN_II + dependent latency") {
  // The perf guide's anchor: a chain of dependent one-element Scalar
  // instructions issues one every 264 cycles on NeuronCore-v2.
  const Target &t = trn1();
  Program p = new_program(64, "trn1");
  Instruction first = Instruction::make(Opcode::activation);
  first.ap[ap::activation::dst] = sb(Dtype::f32, 0, 1, 0, 1);
  first.ap[ap::activation::src] = sb(Dtype::f32, 0, 1, 4, 1);
  first.set_int(attr::activation::func, int64_t(ActFunc::identity));
  std::vector<Instruction> chain = {first};
  for (int i = 0; i < 10; ++i) {
    Instruction next = first;
    next.ap[ap::activation::src] = sb(Dtype::f32, 0, 1, (i % 2) * 4, 1);
    next.ap[ap::activation::dst] = sb(Dtype::f32, 0, 1, ((i + 1) % 2) * 4, 1);
    chain.push_back(next);
  }
  p.stream(kScalar).insts = chain;
  std::vector<uint8_t> hbm(64);
  auto s = run(p, hbm);
  REQUIRE(bool(s));
  const double period =
      ns_of(t, Engine::scalar, t.min_ii_cycles + t.dependent_latency_cycles[unsigned(Engine::scalar)]);
  CHECK(period == doctest::Approx(189).epsilon(0.01)); // 264 cycles at 1.4 GHz
  CHECK(s->total_ns == doctest::Approx(10 * period + ns_of(t, Engine::scalar, t.min_ii_cycles + t.sbuf_access_cycles)));
}

TEST_CASE("the Scalar engine loads an activation table when the function changes") {
  const Target &t = trn2();
  auto act = [](ActFunc f, uint64_t dst) {
    Instruction i = Instruction::make(Opcode::activation);
    i.ap[ap::activation::dst] = sb(Dtype::f32, 0, 128, dst, 64);
    i.ap[ap::activation::src] = sb(Dtype::f32, 0, 128, 0, 64);
    i.set_int(attr::activation::func, int64_t(f));
    return i;
  };
  Program p = new_program(64);
  p.stream(kScalar).insts = {act(ActFunc::exp, 1024), act(ActFunc::exp, 2048),  act(ActFunc::identity, 3072),
                             act(ActFunc::exp, 4096), act(ActFunc::tanh, 5120), act(ActFunc::exp, 6144)};
  std::vector<uint8_t> hbm(64);
  auto s = run(p, hbm);
  REQUIRE(bool(s));
  // exp (load), exp, identity (no table: exp stays), exp, tanh (load), exp (load).
  CHECK(s->act_table_loads == 3);
  CHECK(of(*s, kScalar).busy_ns ==
        doctest::Approx(6 * ns_of(t, Engine::scalar, t.min_ii_cycles) + 3 * t.act_table_load_ns));
}

TEST_CASE("sem_signal fires after busy + latency of the earlier instructions") {
  const Target &t = trn2();
  Program p = new_program(64);
  p.stream(kVector).insts = {memset_sb(sb(Dtype::f32, 0, 128, 0, 1024)), sem_signal(0)};
  p.stream(kScalar).insts = {sem_wait(0)};
  std::vector<uint8_t> hbm(64);
  SimTrace trace;
  auto s = run(p, hbm, {}, &trace);
  REQUIRE(bool(s));
  const double visible = ns_of(t, Engine::vector, 1024 + t.sbuf_access_cycles);
  REQUIRE(trace.sem_values.size() == 1);
  CHECK(trace.sem_values[0].time_ns == doctest::Approx(visible));
  CHECK(of(*s, kScalar).blocked_ns == doctest::Approx(visible));
}

TEST_CASE("a compute engine does not stop for its own signal") {
  // memset A; signal; memset B on the vector engine. B starts right after
  // A's busy cycles and the signal's few cycles, not after A's SBUF latency;
  // the signal still fires only when A's results are visible.
  const Target &t = trn2();
  Program p = new_program(64);
  p.stream(kVector).insts = {memset_sb(sb(Dtype::f32, 0, 128, 0, 1024)), sem_signal(0),
                             memset_sb(sb(Dtype::f32, 0, 128, 8192, 1024))};
  p.stream(kScalar).insts = {sem_wait(0)};
  std::vector<uint8_t> hbm(64);
  SimTrace trace;
  auto s = run(p, hbm, {}, &trace);
  REQUIRE(bool(s));
  REQUIRE(trace.sem_values.size() == 1);
  CHECK(trace.sem_values[0].time_ns == doctest::Approx(ns_of(t, Engine::vector, 1024 + t.sbuf_access_cycles)));
  double second_start = -1;
  for (const TraceSlice &sl : trace.slices)
    if (sl.kind == TraceSlice::instruction && sl.inst == 2 && p.streams[sl.stream].id == kVector)
      second_start = sl.start_ns;
  CHECK(second_start == doctest::Approx(ns_of(t, Engine::vector, 1024 + t.semaphore_cycles)));
  // Both memsets' results visible: busy 1024 + 4 + 1024 cycles, then latency.
  CHECK(s->total_ns == doctest::Approx(ns_of(t, Engine::vector, 2048 + t.semaphore_cycles + t.sbuf_access_cycles)));
}

TEST_CASE("DMA: issue, fixed latency, then bytes on the DMA engines the partitions map to") {
  for (const Target *t : all_targets()) {
    CAPTURE(t->name);
    const uint64_t bytes = 128 * 4096;
    auto load = [](unsigned parts, uint64_t dst_off, uint64_t hbm_off) {
      uint32_t n = uint32_t(4096 / 4 * 128 / parts);
      return dma(sb(Dtype::f32, 0, parts, dst_off, n), hbm2(Dtype::f32, hbm_off, parts, n));
    };
    // One 128-partition load: all DMA engines, capped by HBM.
    Program p = new_program(2 * bytes, t->name);
    p.stream(kDma0).insts = {load(128, 0, 0)};
    std::vector<uint8_t> hbm(2 * bytes);
    auto s = run(p, hbm);
    REQUIRE(bool(s));
    const double alone = dma_alone_ns(*t, 0, 128, double(bytes));
    CHECK(s->total_ns == doctest::Approx(alone));
    CHECK(s->dma_bytes == bytes);
    CHECK(s->hbm_bytes == bytes);
    CHECK(s->dma_active_ns == doctest::Approx(s->total_ns)); // in flight from issue to the end
    CHECK(s->achieved_gb_per_s() == doctest::Approx(double(bytes) / s->total_ns));
    CHECK(s->hbm_roofline_fraction() == doctest::Approx(double(bytes) / t->hbm_bytes_per_ns / s->total_ns));

    // Two such loads on two queues at once share every DMA engine equally:
    // each flows at half the rate, so the data takes twice as long.
    Program two = new_program(2 * bytes, t->name);
    two.stream(kDma0).insts = {load(128, 0, 0)};
    two.stream(kDma1).insts = {load(128, 8192, bytes)};
    auto s2 = run(two, hbm);
    REQUIRE(bool(s2));
    const double fixed = t->dma_issue_ns + t->dma_fixed_latency_ns;
    CHECK(s2->total_ns == doctest::Approx(fixed + 2 * (alone - fixed)));

    // An 8-partition load uses one DMA engine (8 partitions per engine).
    Program narrow = new_program(2 * bytes, t->name);
    narrow.stream(kDma0).insts = {load(8, 0, 0)};
    auto s3 = run(narrow, hbm);
    REQUIRE(bool(s3));
    CHECK(s3->total_ns == doctest::Approx(dma_alone_ns(*t, 0, 8, double(bytes))));
    CHECK(s3->total_ns > fixed + double(bytes) / t->dma_engine_bytes_per_ns);
  }
}

TEST_CASE("DMA engines are shared: transfers on the same partitions serialise, spread ones do not") {
  // 16 transfers of 8 partitions x 2 KiB on 16 queues. Touching partitions
  // 0-7 they all need DMA engine 0; touching 8q..8q+7 each has its own.
  // Descriptor generation is set to zero here: trn2's two shared generators
  // would stagger the 16 issues (tested on its own below).
  for (const Target *real : all_targets()) {
    CAPTURE(real->name);
    Target copy = *real;
    copy.dma_issue_ns = 0;
    const Target *t = &copy;
    const uint32_t n = 512; // f32 per partition: 2 KiB
    const double bytes = 8.0 * n * 4;
    auto build = [&](bool spread) {
      Program p = new_program(16 * 8 * n * 4, t->name);
      for (unsigned q = 0; q < 16; ++q) {
        const unsigned first = spread ? 8 * q : 0;
        p.stream(StreamId{Engine::dma, uint8_t(q)}).insts = {
            dma(sb(Dtype::f32, first, 8, spread ? 0 : q * n * 4, n), hbm2(Dtype::f32, q * 8 * n * 4, 8, n))};
      }
      return p;
    };
    std::vector<uint8_t> hbm(16 * 8 * n * 4);
    auto same = simulate(build(false), *t, hbm, {});
    auto spread = simulate(build(true), *t, hbm, {});
    REQUIRE(bool(same));
    REQUIRE(bool(spread));
    const double fixed = t->dma_issue_ns + t->dma_fixed_latency_ns;
    const double one = dma_alone_ns(*t, 0, 8, bytes) - fixed; // one engine's data time
    CHECK(spread->total_ns == doctest::Approx(fixed + one));
    CHECK(same->total_ns == doctest::Approx(fixed + 16 * one));
  }
}

TEST_CASE("DMA descriptors: each contiguous HBM run costs dma_descriptor_ns") {
  // A [32 | 128] f32 load from a column-major HBM matrix: every element is
  // its own run (128 descriptors per row), against the same bytes row-major,
  // one contiguous block (one descriptor per engine for its 8 rows).
  for (const Target *t : all_targets()) {
    CAPTURE(t->name);
    const double bytes = 32 * 128 * 4;
    Program rows = new_program(uint64_t(bytes), t->name);
    rows.stream(kDma0).insts = {dma(sb(Dtype::f32, 0, 32, 0, 128), hbm2(Dtype::f32, 0, 32, 128))};
    Program cols = new_program(uint64_t(bytes), t->name);
    cols.stream(kDma0).insts = {dma(sb(Dtype::f32, 0, 32, 0, 128), hbm_ap(Dtype::f32, 0, {{1, 32}, {32, 128}}))};
    std::vector<uint8_t> hbm{std::vector<uint8_t>(size_t(bytes))};
    auto a = run(rows, hbm), b = run(cols, hbm);
    REQUIRE(bool(a));
    REQUIRE(bool(b));
    CHECK(a->total_ns == doctest::Approx(dma_alone_ns(*t, 0, 32, bytes, 1)));
    CHECK(b->total_ns == doctest::Approx(dma_alone_ns(*t, 0, 32, bytes, 128)));
    CHECK(b->total_ns - a->total_ns == doctest::Approx((8 * 128 - 1) * t->dma_descriptor_ns));
    // Rows 64 B apart in HBM: one run per row, not one block.
    Program gaps = new_program(uint64_t(2 * bytes), t->name);
    gaps.stream(kDma0).insts = {dma(sb(Dtype::f32, 0, 32, 0, 128), hbm_ap(Dtype::f32, 0, {{256, 32}, {1, 128}}))};
    std::vector<uint8_t> hbm2x{std::vector<uint8_t>(size_t(2 * bytes))};
    auto c = run(gaps, hbm2x);
    REQUIRE(bool(c));
    CHECK(c->total_ns == doctest::Approx(dma_alone_ns(*t, 0, 32, bytes, 1, /*one_block=*/false)));
    CHECK(c->total_ns - a->total_ns == doctest::Approx(7 * t->dma_descriptor_ns));
  }
}

TEST_CASE("DMA issue cost: many small transfers on one queue cost more than one large one") {
  // 64 transfers of 64 B per partition against one of 4 KiB per partition,
  // all 128 partitions, one queue. Each transfer occupies the queue for
  // dma_issue_ns (trn2's descriptor generator), and each pays descriptors.
  for (const Target *t : all_targets()) {
    CAPTURE(t->name);
    Program one = new_program(128 * 4096, t->name);
    one.stream(kDma0).insts = {dma(sb(Dtype::f32, 0, 128, 0, 1024), hbm2(Dtype::f32, 0, 128, 1024))};
    Program many = new_program(128 * 4096, t->name);
    for (unsigned i = 0; i < 64; ++i)
      many.stream(kDma0).insts.push_back(
          dma(sb(Dtype::f32, 0, 128, i * 64, 16), hbm_ap(Dtype::f32, i * 64, {{1024, 128}, {1, 16}})));
    std::vector<uint8_t> hbm(128 * 4096);
    auto a = run(one, hbm), b = run(many, hbm);
    REQUIRE(bool(a));
    REQUIRE(bool(b));
    CHECK(a->total_ns == doctest::Approx(dma_alone_ns(*t, 0, 128, 128 * 4096)));
    // The last transfer is issued after 63 others' descriptor generation;
    // the queue moves data one transfer at a time.
    const double data_each =
        dma_alone_ns(*t, 0, 128, 128 * 64, 1, /*one_block=*/false) - t->dma_issue_ns - t->dma_fixed_latency_ns;
    const double expected = std::max(64 * t->dma_issue_ns + t->dma_fixed_latency_ns + data_each,
                                     t->dma_issue_ns + t->dma_fixed_latency_ns + 64 * data_each);
    CHECK(b->total_ns == doctest::Approx(expected));
    CHECK(b->total_ns > a->total_ns);
  }
}

TEST_CASE("DMA transfers of one queue overlap their latency, move data in order; its sem_signal waits for all") {
  const Target &t = trn2();
  const uint64_t bytes = 8 * 1024; // per transfer, 8 partitions x 1 KiB
  Program p = new_program(4 * bytes);
  for (unsigned i = 0; i < 4; ++i)
    p.stream(kDma0).insts.push_back(dma(sb(Dtype::f32, 0, 8, i * 1024, 256), hbm2(Dtype::f32, i * bytes, 8, 256)));
  p.stream(kDma0).insts.push_back(sem_signal(0));
  p.stream(kVector).insts = {sem_wait(0)};
  std::vector<uint8_t> hbm(4 * bytes);
  SimTrace trace;
  auto s = run(p, hbm, {}, &trace);
  REQUIRE(bool(s));
  // All four pay the latency together (after each one's descriptor
  // generation); then the queue moves their bytes one transfer after another
  // (each 8-partition transfer uses one DMA engine).
  const double data = dma_alone_ns(t, 0, 8, double(bytes)) - t.dma_issue_ns - t.dma_fixed_latency_ns;
  const double end =
      std::max(4 * t.dma_issue_ns + t.dma_fixed_latency_ns + data, t.dma_issue_ns + t.dma_fixed_latency_ns + 4 * data);
  REQUIRE(trace.sem_values.size() == 1);
  CHECK(trace.sem_values[0].time_ns == doctest::Approx(end));
  CHECK(end < 4 * t.dma_fixed_latency_ns); // not serialised
  CHECK(of(*s, kDma0).busy_ns == doctest::Approx(end));
  CHECK(of(*s, kVector).blocked_ns == doctest::Approx(end));
  // A queue waiting while its transfers fly is busy, not blocked, so the
  // three figures still add up to the total.
  Program q = new_program(4 * bytes);
  q.stream(kDma0).insts = {dma(sb(Dtype::f32, 0, 8, 0, 256), hbm2(Dtype::f32, 0, 8, 256)), sem_wait(1),
                           dma(sb(Dtype::f32, 0, 8, 1024, 256), hbm2(Dtype::f32, bytes, 8, 256))};
  q.stream(kGpsimd).insts = {memset_sb(sb(Dtype::f32, 0, 128, 8192, 4096)), sem_signal(1)};
  auto s2 = run(q, hbm);
  REQUIRE(bool(s2));
  const StreamStats &d = of(*s2, kDma0);
  CHECK(d.blocked_ns > 0);
  CHECK(d.busy_ns > t.dma_fixed_latency_ns);
  for (const StreamStats &x : s2->streams) CHECK(x.busy_ns + x.blocked_ns + x.idle_ns == doctest::Approx(s2->total_ns));
}

TEST_CASE("matmul cost: fp32 is pe_fp32_factor times bf16; engines run at their own clocks") {
  const Target &t = trn1();
  auto mm_busy = [&](Dtype dt) {
    Program p = new_program(64, "trn1");
    Instruction mm = Instruction::make(Opcode::nc_matmul);
    mm.ap[ap::nc_matmul::dst] = ps(Dtype::f32, 0, 128, 0, 512);
    mm.ap[ap::nc_matmul::stationary] = sb(dt, 0, 128, 0, 128);
    mm.ap[ap::nc_matmul::moving] = sb(dt, 0, 128, 1024, 512);
    p.stream(kGpsimd).insts = {memset_sb(sb(dt, 0, 128, 0, 1024)), sem_signal(0)};
    p.stream(kTensor).insts = {sem_wait(0), mm};
    std::vector<uint8_t> hbm(64);
    auto s = run(p, hbm);
    REQUIRE(bool(s));
    // The tensor stream's busy time is its sem_wait plus the matmul.
    return of(*s, kTensor).busy_ns - ns_of(t, Engine::tensor, t.semaphore_cycles);
  };
  // max(min(pe_stationary_min, M = 128), N = 512) = 512 Tensor cycles.
  CHECK(mm_busy(Dtype::bf16) == doctest::Approx(ns_of(t, Engine::tensor, 512)));
  CHECK(mm_busy(Dtype::f32) == doctest::Approx(t.pe_fp32_factor * ns_of(t, Engine::tensor, 512)));
  // NKI 2.26 nc_matmul: tfloat32 runs at the bf16/fp16/fp8 rate, not fp32's.
  CHECK(mm_busy(Dtype::tf32) == doctest::Approx(ns_of(t, Engine::tensor, 512)));
}

TEST_CASE("matmul cost: a PE-tiled matmul's busy time counts its share of the PE array") {
  const Target &t = trn2();
  auto mm_busy = [&](int64_t k, int64_t m, int64_t rows, int64_t cols) {
    Program p = new_program(64, "trn2");
    Instruction mm = Instruction::make(Opcode::nc_matmul);
    mm.ap[ap::nc_matmul::dst] = ps(Dtype::f32, 0, unsigned(m), 0, 512);
    mm.ap[ap::nc_matmul::stationary] = sb(Dtype::bf16, 0, unsigned(k), 0, uint64_t(m));
    mm.ap[ap::nc_matmul::moving] = sb(Dtype::bf16, 0, unsigned(k), 1024, 512);
    mm.set_int(attr::nc_matmul::tile_rows, rows);
    mm.set_int(attr::nc_matmul::tile_cols, cols);
    p.stream(kGpsimd).insts = {memset_sb(sb(Dtype::bf16, 0, 128, 0, 1024)), sem_signal(0)};
    p.stream(kTensor).insts = {sem_wait(0), mm};
    std::vector<uint8_t> hbm(64);
    auto s = run(p, hbm);
    REQUIRE(bool(s));
    return of(*s, kTensor).busy_ns - ns_of(t, Engine::tensor, t.semaphore_cycles);
  };
  // max(min(64, M), N = 512) = 512 cycles untiled, and as long tiled (it
  // holds its tile for that long; tests/lit/sim/pe-overlap.test times
  // concurrent tiles); the stream's busy time counts the tile's share: a
  // 64 x 64 tile is a quarter of the array, a 32 x 128 one a quarter too,
  // 128 x 128 all of it.
  CHECK(mm_busy(64, 64, 0, 0) == doctest::Approx(ns_of(t, Engine::tensor, 512)));
  CHECK(mm_busy(64, 64, 64, 64) == doctest::Approx(ns_of(t, Engine::tensor, 128)));
  CHECK(mm_busy(32, 100, 32, 128) == doctest::Approx(ns_of(t, Engine::tensor, 128)));
  CHECK(mm_busy(64, 64, 128, 128) == doctest::Approx(ns_of(t, Engine::tensor, 512)));
}

TEST_CASE("print_stats reports time, per-stream busy and DMA/HBM figures") {
  Program p = new_program(1 << 16);
  p.kernel = "statdemo";
  p.stream(kDma0).insts = {dma(sb(Dtype::f32, 0, 128, 0, 128), hbm2(Dtype::f32, 0, 128, 128)), sem_signal(0)};
  p.stream(kVector).insts = {sem_wait(0), scale_op(sb(Dtype::f32, 0, 128, 4096, 128), sb(Dtype::f32, 0, 128, 0, 128))};
  std::vector<uint8_t> hbm(1 << 16);
  auto s = run(p, hbm);
  REQUIRE(bool(s));
  std::string out;
  llvm::raw_string_ostream os(out);
  print_stats(os, *s);
  os.flush();
  CHECK(out.find("kernel statdemo on trn2") != std::string::npos);
  CHECK(out.find("total time: ") != std::string::npos);
  CHECK(out.find("cycles at the Tensor engine clock (2.4 GHz)") != std::string::npos);
  CHECK(out.find("vector          2") != std::string::npos);
  CHECK(out.find("dma0            2") != std::string::npos);
  CHECK(out.find("dma: 1 transfers, 65536 bytes") != std::string::npos);
  CHECK(out.find("hbm: 65536 bytes; roofline 375.0 GB/s") != std::string::npos);
  // busy + blocked + idle adds up to the total for every stream.
  for (const StreamStats &x : s->streams) CHECK(x.busy_ns + x.blocked_ns + x.idle_ns == doctest::Approx(s->total_ns));
}

TEST_CASE("a bound on transfers in flight per queue exposes each transfer's fixed latency") {
  // Four 8-partition loads on one queue. Unbounded (the targets' setting,
  // no published figure), their latencies overlap; with one in flight, each
  // waits for the previous one to complete.
  for (unsigned bound : {0u, 1u, 2u}) {
    CAPTURE(bound);
    Target t = trn1();
    t.dma_max_in_flight = bound;
    Program p = new_program(4 * 8192, "trn1");
    for (unsigned i = 0; i < 4; ++i)
      p.stream(kDma0).insts.push_back(dma(sb(Dtype::f32, 0, 8, i * 1024, 256), hbm2(Dtype::f32, i * 8192, 8, 256)));
    std::vector<uint8_t> hbm(4 * 8192);
    auto s = simulate(p, t, hbm, {});
    REQUIRE(bool(s));
    const double one = dma_alone_ns(t, 0, 8, 8192); // issue (0 on trn1) + latency + data
    const double data = one - t.dma_fixed_latency_ns;
    if (bound == 0) CHECK(s->total_ns == doctest::Approx(t.dma_fixed_latency_ns + 4 * data));
    if (bound == 1) CHECK(s->total_ns == doctest::Approx(4 * one));
    // Two in flight: the third issues when the first completes.
    if (bound == 2) CHECK(s->total_ns == doctest::Approx(one + t.dma_fixed_latency_ns + 3 * data - data));
  }
}

TEST_CASE("cost notes' special cases: bf16 tensor_tensor, bf16 reductions, zero bf16 memsets") {
  const Target &t = trn2();
  const double n = 1024, min_ii = t.min_ii_cycles;
  auto tt = [](Dtype d, AluOp op, int64_t stride = 1) {
    Instruction i = Instruction::make(Opcode::tensor_tensor);
    i.ap[ap::tensor_tensor::dst] = onchip(Memory::sbuf, d, 0, 128, 0, {{stride, 1024}});
    i.ap[ap::tensor_tensor::src0] = sb(d, 0, 128, 8192, 1024);
    i.ap[ap::tensor_tensor::src1] = sb(d, 0, 128, 16384, 1024);
    i.set_int(attr::tensor_tensor::op, int64_t(op));
    return i;
  };
  auto busy = [&](const Instruction &i) { return instruction_cost(t, Engine::vector, i).busy_cycles; };
  // [isa-cost] tensor_tensor: N for all-bf16 add/subtract/multiply on
  // contiguous SBUF data, else 2N (both inputs in SBUF).
  CHECK(busy(tt(Dtype::bf16, AluOp::add)) == std::max(min_ii, n));
  CHECK(busy(tt(Dtype::bf16, AluOp::multiply)) == std::max(min_ii, n));
  CHECK(busy(tt(Dtype::bf16, AluOp::divide)) == std::max(min_ii, 2 * n));
  CHECK(busy(tt(Dtype::f32, AluOp::add)) == std::max(min_ii, 2 * n));
  CHECK(busy(tt(Dtype::bf16, AluOp::add, 2)) == std::max(min_ii, 2 * n)); // strided output
  // tensor_reduce: N/2 for bf16 in and out with add or max, else N.
  auto red = [](Dtype in, Dtype out, AluOp op) {
    Instruction i = Instruction::make(Opcode::tensor_reduce);
    i.ap[ap::tensor_reduce::dst] = sb(out, 0, 128, 0, 1);
    i.ap[ap::tensor_reduce::src] = sb(in, 0, 128, 64, 1024);
    i.set_int(attr::tensor_reduce::op, int64_t(op));
    return i;
  };
  CHECK(busy(red(Dtype::bf16, Dtype::bf16, AluOp::add)) == n / 2);
  CHECK(busy(red(Dtype::bf16, Dtype::bf16, AluOp::max)) == n / 2);
  CHECK(busy(red(Dtype::bf16, Dtype::f32, AluOp::add)) == n);
  CHECK(busy(red(Dtype::bf16, Dtype::bf16, AluOp::min)) == n);
  // memset: N/2 for a zero fill of bf16/fp16, else N.
  auto fill = [](Dtype d, float v) {
    Instruction i = Instruction::make(Opcode::memset);
    i.ap[ap::memset::dst] = sb(d, 0, 128, 0, 1024);
    i.set_float(attr::memset::value, v);
    return i;
  };
  CHECK(busy(fill(Dtype::bf16, 0.0f)) == n / 2);
  CHECK(busy(fill(Dtype::f16, 0.0f)) == n / 2);
  CHECK(busy(fill(Dtype::bf16, 1.0f)) == n);
  CHECK(busy(fill(Dtype::f32, 0.0f)) == n);
}

TEST_CASE("tensor_scalar_reduce costs max(MIN_II, N) + MIN_II on the Vector engine") {
  // [isa-cost] nki.isa.tensor_scalar_reduce.
  const Target &t = trn1();
  Instruction i = Instruction::make(Opcode::tensor_scalar_reduce);
  i.ap[ap::tensor_scalar_reduce::dst] = sb(Dtype::f32, 0, 128, 0, 1024);
  i.ap[ap::tensor_scalar_reduce::src] = sb(Dtype::f32, 0, 128, 4096, 1024);
  i.ap[ap::tensor_scalar_reduce::reduce_dst] = sb(Dtype::f32, 0, 128, 8192, 1);
  i.set_int(attr::tensor_scalar_reduce::op0, int64_t(AluOp::multiply));
  i.set_int(attr::tensor_scalar_reduce::reduce_op, int64_t(AluOp::max));
  CHECK(instruction_cost(t, Engine::vector, i).busy_cycles == 1024 + t.min_ii_cycles);
  i.ap[ap::tensor_scalar_reduce::src] = sb(Dtype::f32, 0, 128, 4096, 8);
  i.ap[ap::tensor_scalar_reduce::dst] = sb(Dtype::f32, 0, 128, 0, 8);
  CHECK(instruction_cost(t, Engine::vector, i).busy_cycles == 2 * t.min_ii_cycles);
}

TEST_CASE("trn2, two physical cores: each core its own descriptor generators, DMA engines and SBUF") {
  // Two loads per core at time 0, all into the same SBUF bytes of their
  // core: no generator is shared across cores (none waits), no SBUF byte is
  // (no race), and each core ends when its loads do.
  const Target &t = trn2();
  Program p = new_program(4 * 4096);
  p.cores = 2;
  for (uint8_t c = 0; c < 2; ++c)
    for (unsigned q = 0; q < 2; ++q)
      p.stream(StreamId{Engine::dma, uint8_t(q), c}).insts = {
          dma(sb(Dtype::f32, 8 * q, 8, 0, 128), hbm2(Dtype::f32, (2 * c + q) * 4096, 8, 128))};
  std::vector<uint8_t> hbm(4 * 4096);
  auto s = run(p, hbm);
  REQUIRE(bool(s));
  CHECK(s->dge_stall_ns == 0);
  CHECK(s->total_ns == doctest::Approx(dma_alone_ns(t, 0, 8, 4096))); // issue included
  REQUIRE(s->core_end_ns.size() == 2);
  CHECK(s->core_end_ns[0] == doctest::Approx(s->total_ns));
  CHECK(s->core_end_ns[1] == doctest::Approx(s->total_ns));
  // The same four loads on one core: two wait for a generator.
  Program one = new_program(4 * 4096);
  for (unsigned q = 0; q < 4; ++q)
    one.stream(StreamId{Engine::dma, uint8_t(q)}).insts = {
        dma(sb(Dtype::f32, 8 * q, 8, 0, 128), hbm2(Dtype::f32, q * 4096, 8, 128))};
  auto s1 = run(one, hbm);
  REQUIRE(bool(s1));
  CHECK(s1->dge_stall_ns == doctest::Approx(2 * t.dma_issue_ns));
  CHECK(s1->core_end_ns.empty());
}
