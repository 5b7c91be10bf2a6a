// Deferred random inputs (runtime/hbm_binding.h: DeferredInput): the bytes a
// DMA reads are generated instead of stored in the HBM image. Every case runs
// the same program twice, once with the inputs written into the image by
// fill_random and once deferred, and requires identical results: outputs,
// the simulated time, and which inputs had to be written in (materialised).
#include "test_sim_util.h"

#include "runtime/hbm_binding.h"
#include "simulator/background_fill.h"
#include "simulator/session.h"

#include <doctest/doctest.h>

using namespace nk;
using namespace nk::simtest;

namespace {

TensorDecl tensor(const char *name, Dtype t, std::vector<int64_t> shape, uint64_t offset, TensorKind kind) {
  TensorDecl d;
  d.name = name;
  d.dtype = t;
  d.shape = std::move(shape);
  d.hbm_offset = offset;
  d.kind = kind;
  return d;
}

// x f32[8, 64] @0, y bf16[16, 32] @2048 (inputs); outputs from 4096.
Program base_program() {
  Program p = new_program(16384);
  p.tensors = {tensor("x", Dtype::f32, {8, 64}, 0, TensorKind::input),
               tensor("y", Dtype::bf16, {16, 32}, 2048, TensorKind::input),
               tensor("out", Dtype::f32, {8, 64}, 4096, TensorKind::output),
               tensor("out2", Dtype::f32, {16, 32}, 6144, TensorKind::output),
               tensor("out3", Dtype::f32, {64, 8}, 8192, TensorKind::output)};
  return p;
}

// out = x, through SBUF (the program the Session cases run).
Program copy_x_to_out() {
  Program p = base_program();
  Chain(p)
      .then(kDma0, dma(sb(Dtype::f32, 0, 8, 0, 64), hbm2(Dtype::f32, 0, 8, 64)))
      .then(kDma1, dma(hbm2(Dtype::f32, 4096, 8, 64), sb(Dtype::f32, 0, 8, 0, 64)));
  return p;
}

struct Outcome {
  std::vector<uint8_t> outputs; // bytes 4096.. of the image
  double total_ns;
  std::vector<bool> materialized;
};

Outcome run_both_ways(const Program &p, bool deferred, unsigned threads = 1) {
  std::vector<uint8_t> hbm(p.hbm_size, 0);
  std::vector<DeferredInput> d;
  for (const TensorDecl &t : p.tensors) {
    if (t.kind != TensorKind::input) continue;
    if (deferred)
      d.push_back(DeferredInput{t, 7, 2.5, false});
    else
      fill_random(t, 7, 2.5, hbm.data() + t.hbm_offset);
  }
  SimOptions opts;
  opts.threads = threads;
  auto s = simulate(p, *find_target(p.target), hbm, opts, nullptr, d);
  REQUIRE_MESSAGE(bool(s), (s ? "" : llvm::toString(s.takeError())));
  Outcome o{std::vector<uint8_t>(hbm.begin() + 4096, hbm.end()), s->total_ns, {}};
  for (const DeferredInput &x : d) o.materialized.push_back(x.materialized);
  return o;
}

void check_same(const Program &p, std::vector<bool> expect_materialized) {
  Outcome a = run_both_ways(p, false), b = run_both_ways(p, true);
  CHECK(a.outputs == b.outputs);
  CHECK(a.total_ns == b.total_ns);
  CHECK(b.materialized == expect_materialized);
}

} // namespace

TEST_CASE("fill_random_range is a window on fill_random's stream") {
  for (RandomDist dist : {RandomDist::uniform, RandomDist::normal})
    for (Dtype t : {Dtype::f32, Dtype::bf16, Dtype::f16, Dtype::i32, Dtype::u8}) {
      TensorDecl d = tensor("w", t, {3, 700}, 0, TensorKind::input);
      const unsigned esz = dtype_size(t);
      std::vector<uint8_t> all(d.size_bytes());
      fill_random(d, 11, 3.0, all.data(), dist);
      for (uint64_t first : {0, 1, 127, 511, 512, 513, 1500}) {
        for (uint64_t count : {1, 128, 600}) {
          if (first + count > d.num_elements()) continue;
          std::vector<uint8_t> part(count * esz);
          fill_random_range(d, 11, 3.0, first, count, part.data(), dist);
          CHECK_MESSAGE(std::equal(part.begin(), part.end(), all.begin() + long(first * esz)), dtype_name(t), " first ",
                        first, " count ", count, " normal ", dist == RandomDist::normal);
        }
      }
    }
}

TEST_CASE("contiguous reads are generated; the inputs are never written into the image") {
  Program p = base_program();
  Chain(p)
      .then(kDma0, dma(sb(Dtype::f32, 0, 8, 0, 64), hbm2(Dtype::f32, 0, 8, 64)))
      // bf16 in HBM, converted to f32 on the way in
      .then(kDma0, dma(sb(Dtype::f32, 0, 16, 512, 32), hbm2(Dtype::bf16, 2048, 16, 32)))
      .then(kDma1, dma(hbm2(Dtype::f32, 4096, 8, 64), sb(Dtype::f32, 0, 8, 0, 64)))
      .then(kDma1, dma(hbm2(Dtype::f32, 6144, 16, 32), sb(Dtype::f32, 0, 16, 512, 32)));
  check_same(p, {false, false});
}

TEST_CASE("a transposing read materialises the input it reads, and only that one") {
  Program p = base_program();
  Chain(p)
      .then(kDma0, dma(sb(Dtype::f32, 0, 64, 1024, 8), hbm_ap(Dtype::f32, 0, {{1, 64}, {64, 8}})))
      .then(kDma1, dma(hbm2(Dtype::f32, 8192, 64, 8), sb(Dtype::f32, 0, 64, 1024, 8)));
  check_same(p, {true, false});
}

TEST_CASE("reading an input as another dtype materialises it") {
  Program p = base_program();
  // x's first 8 rows of bytes read as bf16 pairs
  Chain(p)
      .then(kDma0, dma(sb(Dtype::bf16, 0, 8, 0, 128), hbm2(Dtype::bf16, 0, 8, 128)))
      .then(kDma0, dma(sb(Dtype::f32, 0, 8, 256, 128), sb(Dtype::bf16, 0, 8, 0, 128)))
      .then(kDma1, dma(hbm_ap(Dtype::f32, 4096, {{64, 8}, {1, 64}}), sb(Dtype::f32, 0, 8, 256, 64)));
  check_same(p, {true, false});
}

TEST_CASE("a write into an input materialises it first; later reads see the write") {
  Program p = base_program();
  Chain(p)
      .then(kDma0, dma(sb(Dtype::f32, 0, 8, 0, 64), hbm2(Dtype::f32, 0, 8, 64)))
      // overwrite half of y's rows with x's first bytes (same byte count)
      .then(kDma0, dma(hbm_ap(Dtype::bf16, 2048, {{32, 8}, {1, 32}}), hbm_ap(Dtype::bf16, 0, {{32, 8}, {1, 32}})))
      .then(kDma1, dma(sb(Dtype::f32, 0, 16, 512, 32), hbm2(Dtype::bf16, 2048, 16, 32)))
      .then(kDma1, dma(hbm2(Dtype::f32, 6144, 16, 32), sb(Dtype::f32, 0, 16, 512, 32)));
  // y is written (materialised); x is read as bf16 (materialised too).
  check_same(p, {true, true});
}

TEST_CASE("Session::bind_random defers, and inputs()/output() still return the values") {
  Program p = copy_x_to_out();
  // The program's other outputs are never written; the session only needs
  // them declared.
  auto s = Session::from_program(p);
  REQUIRE(bool(s));
  s->bind_random(7, 2.5);
  // Nothing was written into the image for the inputs.
  CHECK(std::all_of(s->hbm().begin(), s->hbm().end(), [](uint8_t b) { return b == 0; }));
  auto stats = s->run(SimOptions{}, nullptr, /*verify=*/false);
  REQUIRE_MESSAGE(bool(stats), (stats ? "" : llvm::toString(stats.takeError())));
  auto in = s->inputs();
  REQUIRE(in.count("x") == 1);
  CHECK(in["x"].data == random_tensor(p.tensors[0], 7, 2.5).data);
  CHECK(in["y"].data == random_tensor(p.tensors[1], 7, 2.5).data);
  auto out = s->output("out");
  REQUIRE(bool(out));
  CHECK(out->data == in["x"].data);
}

TEST_CASE("binding a tensor after bind_random replaces the deferred values") {
  Program p = copy_x_to_out();
  auto s = Session::from_program(p);
  REQUIRE(bool(s));
  s->bind_random(7);
  HostTensor x = random_tensor(p.tensors[0], 99); // other values than seed 7's
  REQUIRE_FALSE(bool(s->bind("x", x)));
  auto stats = s->run(SimOptions{}, nullptr, /*verify=*/false);
  REQUIRE_MESSAGE(bool(stats), (stats ? "" : llvm::toString(stats.takeError())));
  auto out = s->output("out");
  REQUIRE(bool(out));
  CHECK(out->data == x.data);
  CHECK(s->inputs()["x"].data == x.data);
}

TEST_CASE("with two threads, large random loads are made in the background: the same bytes as one thread") {
  // 128 x 64 f32 tiles (8,192 values: over the background threshold). The
  // steps exercise every wait: a read of a slot still being filled, a second
  // fill of the same slot (its first fill not yet read), a read of a slot
  // another fill is not writing, and the outputs read at the end.
  Program p = new_program(262144);
  p.tensors = {tensor("x", Dtype::f32, {128, 64}, 0, TensorKind::input),
               tensor("y", Dtype::f32, {128, 64}, 32768, TensorKind::input),
               tensor("z", Dtype::f32, {128, 64}, 65536, TensorKind::input),
               tensor("out", Dtype::f32, {128, 64}, 131072, TensorKind::output),
               tensor("out2", Dtype::f32, {128, 64}, 163840, TensorKind::output),
               tensor("out3", Dtype::f32, {128, 64}, 196608, TensorKind::output)};
  Chain(p)
      .then(kDma0, dma(sb(Dtype::f32, 0, 128, 0, 64), hbm2(Dtype::f32, 0, 128, 64)))          // x -> slot A
      .then(kDma1, dma(sb(Dtype::f32, 0, 128, 1024, 64), hbm2(Dtype::f32, 65536, 128, 64)))   // z -> slot C
      .then(kDma0, dma(sb(Dtype::f32, 0, 128, 512, 64), sb(Dtype::f32, 0, 128, 0, 64)))       // A -> B: waits for x
      .then(kDma1, dma(sb(Dtype::f32, 0, 128, 0, 64), hbm2(Dtype::f32, 32768, 128, 64)))      // y -> A again
      .then(kDma0, dma(hbm2(Dtype::f32, 131072, 128, 64), sb(Dtype::f32, 0, 128, 512, 64)))   // out = x
      .then(kDma1, dma(hbm2(Dtype::f32, 163840, 128, 64), sb(Dtype::f32, 0, 128, 0, 64)))     // out2 = y
      .then(kDma0, dma(hbm2(Dtype::f32, 196608, 128, 64), sb(Dtype::f32, 0, 128, 1024, 64))); // out3 = z
  Outcome written = run_both_ways(p, false), one = run_both_ways(p, true, 1), two = run_both_ways(p, true, 2);
  CHECK(two.outputs == one.outputs);
  // (The image below the outputs holds the written inputs y and z.)
  const auto outputs_of = [](const Outcome &o) {
    return std::vector<uint8_t>(o.outputs.begin() + (131072 - 4096), o.outputs.end());
  };
  CHECK(outputs_of(two) == outputs_of(written));
  CHECK(two.total_ns == one.total_ns);
  CHECK(two.materialized == std::vector<bool>{false, false, false});
  // Not vacuous: the outputs are the inputs' random values, not zeros.
  std::vector<uint8_t> x(32768);
  fill_random(p.tensors[0], 7, 2.5, x.data());
  CHECK(std::equal(x.begin(), x.end(), two.outputs.begin() + (131072 - 4096)));
}

TEST_CASE("with two threads, large loads of the HBM image are copied in the background; a store over a load's "
          "source waits for it") {
  // x and z f32[128, 4096] (2 MiB each: the copy outlasts the instructions
  // up to the store), written into the image. x -> slot A in the
  // background; z -> slot B; then z over x's bytes in HBM while A's copy
  // may still be reading them; out = A must be x, not z.
  Program p = new_program(3 * 2097152);
  p.tensors = {tensor("x", Dtype::f32, {128, 4096}, 0, TensorKind::input),
               tensor("z", Dtype::f32, {128, 4096}, 2097152, TensorKind::input),
               tensor("out", Dtype::f32, {128, 4096}, 4194304, TensorKind::output)};
  // (Partition-major: a row of 16 KiB per partition.)
  Chain(p)
      .then(kDma0, dma(sb(Dtype::f32, 0, 128, 0, 4096), hbm2(Dtype::f32, 0, 128, 4096)))           // x -> A
      .then(kDma0, dma(sb(Dtype::f32, 0, 128, 16384, 4096), hbm2(Dtype::f32, 2097152, 128, 4096))) // z -> B
      .then(kDma1, dma(hbm2(Dtype::f32, 0, 128, 4096), sb(Dtype::f32, 0, 128, 16384, 4096)))       // z over x
      .then(kDma0, dma(hbm2(Dtype::f32, 4194304, 128, 4096), sb(Dtype::f32, 0, 128, 0, 4096)));    // out = A
  Outcome one = run_both_ways(p, false, 1), two = run_both_ways(p, false, 2);
  CHECK(two.outputs == one.outputs);
  CHECK(two.total_ns == one.total_ns);
  std::vector<uint8_t> x(2097152);
  fill_random(p.tensors[0], 7, 2.5, x.data());
  CHECK(std::equal(x.begin(), x.end(), two.outputs.begin() + (4194304 - 4096)));
}

TEST_CASE("BackgroundFill: fill_random_range's values, made by the worker or a waiting caller; the destructor "
          "finishes every job") {
  TensorDecl x = tensor("x", Dtype::f32, {64, 1000}, 0, TensorKind::input);
  DeferredInput d{x, 11, 1.0, false};
  std::vector<float> expect(64000), got(64000, -1.0f), late(64000, -1.0f);
  fill_random(x, 11, 1.0, reinterpret_cast<uint8_t *>(expect.data()));
  auto pieces = [&](std::vector<float> &out, uint64_t j) {
    std::vector<BackgroundFill::Piece> p;
    for (uint64_t k = 0; k < 10; ++k) // 10 pieces of 100 values
      p.push_back(BackgroundFill::Piece{&d, j * 1000 + k * 100, 100,
                                        reinterpret_cast<uint8_t *>(out.data() + j * 1000 + k * 100)});
    return p;
  };
  {
    BackgroundFill fill;
    std::vector<std::shared_ptr<BackgroundFill::Job>> jobs;
    for (uint64_t j = 0; j < 64; ++j) jobs.push_back(fill.submit(pieces(got, j)));
    // Waited for newest first: the caller makes what the worker has not
    // claimed yet.
    for (auto it = jobs.rbegin(); it != jobs.rend(); ++it) {
      fill.wait(**it);
      CHECK((*it)->done());
    }
    CHECK(got == expect);
    // Left queued: the destructor must still make them.
    for (uint64_t j = 0; j < 64; ++j) fill.submit(pieces(late, j));
  }
  CHECK(late == expect);
}
