// DMA queues and their semaphores: a sem_signal on a queue fires when the
// transfers issued before it complete, without holding up later transfers
// of the queue; and the race checker orders a waiter after exactly those
// earlier transfers, not the later ones.
#include "test_sim_util.h"

#include <doctest/doctest.h>

using namespace nk;
using namespace nk::simtest;

namespace {

Instruction copy8(uint64_t dst_off, uint64_t src_off) {
  Instruction c = Instruction::make(Opcode::tensor_copy);
  c.ap[ap::tensor_copy::dst] = sb(Dtype::f32, 0, 8, dst_off, 256);
  c.ap[ap::tensor_copy::src] = sb(Dtype::f32, 0, 8, src_off, 256);
  return c;
}

Program two_loads_around_a_signal(uint64_t read_from) {
  const uint64_t bytes = 8 * 1024;
  Program p = new_program(2 * bytes);
  p.stream(kDma0).insts = {dma(sb(Dtype::f32, 0, 8, 0, 256), hbm2(Dtype::f32, 0, 8, 256)), sem_signal(0),
                           dma(sb(Dtype::f32, 0, 8, 1024, 256), hbm2(Dtype::f32, bytes, 8, 256))};
  p.stream(kVector).insts = {sem_wait(0), copy8(4096, read_from)};
  return p;
}

} // namespace

TEST_CASE("a DMA queue's signal does not stop the queue") {
  const Target &t = trn2();
  Program p = two_loads_around_a_signal(0);
  std::vector<uint8_t> hbm(p.hbm_size);
  SimTrace trace;
  auto s = run(p, hbm, {}, &trace);
  REQUIRE_MESSAGE(bool(s), error_text(s.takeError()));
  const double first = dma_alone_ns(t, 0, 8, 8 * 1024); // one 8-partition transfer, alone
  REQUIRE(trace.sem_values.size() == 1);
  // The signal fires when the first transfer is done...
  CHECK(trace.sem_values[0].time_ns == doctest::Approx(first));
  // ...and the second transfer was issued right behind it (one descriptor
  // generation later), not a whole latency after the first completed.
  CHECK(s->total_ns < first + t.dma_issue_ns + (first - t.dma_issue_ns - t.dma_fixed_latency_ns) + 1);
  CHECK(s->total_ns < first + t.dma_fixed_latency_ns);
}

TEST_CASE("a waiter is ordered after the transfers before the signal, not after") {
  // Reading the first load's bytes after the wait: ordered, no race.
  {
    Program p = two_loads_around_a_signal(0);
    std::vector<uint8_t> hbm(p.hbm_size);
    auto s = run(p, hbm);
    CHECK_MESSAGE(bool(s), (s ? "" : error_text(s.takeError())));
  }
  // Reading the second load's bytes: that transfer was issued after the
  // signal, so nothing orders it before the read: a race.
  {
    Program p = two_loads_around_a_signal(1024);
    std::vector<uint8_t> hbm(p.hbm_size);
    auto s = run(p, hbm);
    REQUIRE_FALSE(bool(s));
    std::string msg = error_text(s.takeError());
    CHECK(msg.find("race") != std::string::npos);
    CHECK(msg.find("dma0[2]") != std::string::npos);
  }
}
