// SimOptions::check_first (Session::run passes the program verifier): it
// runs before anything is simulated, beside the simulator's own validation
// when there are two threads, and its error comes first either way.
#include "test_sim_util.h"

#include "simulator/simulator.h"

#include <doctest/doctest.h>

#include <atomic>
#include <new>

using namespace nk;
using namespace nk::simtest;

namespace {

Instruction memset_at(uint64_t offset) {
  Instruction i = Instruction::make(Opcode::memset);
  i.ap[ap::memset::dst] = sb(Dtype::f32, 0, 128, offset, 8);
  return i;
}

llvm::Error error(const char *message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), "%s", message);
}

} // namespace

TEST_CASE("check_first: its error first, with one thread or two, then the validation's") {
  const Target &t = trn2();
  Program good = new_program(64);
  good.stream(kVector).insts = {memset_at(0)};
  // Past the end of an SBUF partition: the simulator's validation refuses it.
  Program oob = new_program(64);
  oob.stream(kVector).insts = {memset_at(t.sbuf_bytes_per_partition - 4)};
  std::vector<uint8_t> hbm(64);
  for (unsigned threads : {1u, 2u}) {
    CAPTURE(threads);
    SimOptions o;
    o.threads = threads;
    std::atomic<int> calls{0};
    o.check_first = [&] {
      ++calls;
      return error("the check refuses it");
    };
    auto refused = simulate(good, t, hbm, o);
    REQUIRE(!refused);
    CHECK(toString(refused.takeError()) == "the check refuses it");
    // Both refuse: the check's error, not the validation's.
    auto both = simulate(oob, t, hbm, o);
    REQUIRE(!both);
    CHECK(toString(both.takeError()) == "the check refuses it");
    CHECK(calls == 2);

    o.check_first = [&] {
      ++calls;
      return llvm::Error::success();
    };
    auto invalid = simulate(oob, t, hbm, o);
    REQUIRE(!invalid);
    CHECK(toString(invalid.takeError()).find("out of bounds") != std::string::npos);
    auto ran = simulate(good, t, hbm, o);
    REQUIRE(bool(ran));
    CHECK(calls == 4);
    CHECK(ran->host.verify_beside_validate == (threads > 1));
    CHECK(ran->host.verify_s >= 0);
    CHECK(ran->host.simulate_s > 0);

    // An exception in the check (out of memory) reaches the caller, from
    // either thread.
    o.check_first = []() -> llvm::Error { throw std::bad_alloc(); };
    CHECK_THROWS_AS((void)simulate(good, t, hbm, o), std::bad_alloc);
  }
}
