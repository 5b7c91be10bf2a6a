// The simulator's compressed bookkeeping must behave exactly like a plain
// array with one entry per location: the race checker's shadow memory
// (simulator/shadow.h: splitting and merging, then random accesses against
// such an array) and the uninit check's written-byte map (memories.h).
#include "simulator/memories.h"
#include "simulator/shadow.h"

#include "runtime/hbm_binding.h" // SplitMix64

#include <doctest/doctest.h>

#include <map>

using namespace nk;

namespace {

ShadowState st(uint32_t w, uint32_t r = 0) { return ShadowState{w, r}; }
auto set_to(ShadowState s) {
  return [s](ShadowState) { return s; };
}

// Every (partition, granule) piece visit() reports, as a map from corner to state.
std::map<std::pair<unsigned, uint64_t>, ShadowState> pieces(const ChipShadow &sh, unsigned p_lo, unsigned p_hi,
                                                            uint64_t g_lo, uint64_t g_hi) {
  std::map<std::pair<unsigned, uint64_t>, ShadowState> m;
  sh.visit(p_lo, p_hi, g_lo, g_hi, [&](unsigned p, uint64_t g, ShadowState s) {
    m[{p, g}] = s;
    return true;
  });
  return m;
}

std::vector<std::pair<int64_t, ShadowState>> intervals(const HbmShadow &sh, int64_t lo, int64_t hi) {
  std::vector<std::pair<int64_t, ShadowState>> v;
  sh.visit(lo, hi, [&](int64_t b, ShadowState s) {
    v.push_back({b, s});
    return true;
  });
  return v;
}

} // namespace

TEST_CASE("chip shadow: a tile written by one access is one column of one run") {
  ChipShadow sh(128, 1024);
  sh.update(0, 128, 10, 138, set_to(st(7)));
  CHECK(sh.distinct_columns(10, 138) == 1);
  auto m = pieces(sh, 0, 128, 0, 1024);
  // Untouched before, the tile, untouched after: three pieces.
  REQUIRE(m.size() == 3);
  CHECK(m[{0, 0}] == st(0));
  CHECK(m[{0, 10}] == st(7));
  CHECK(m[{0, 138}] == st(0));
}

TEST_CASE("chip shadow: partial partition overlaps split a column and merging rejoins it") {
  ChipShadow sh(128, 64);
  sh.update(0, 128, 0, 8, set_to(st(1)));
  sh.update(32, 64, 2, 6, set_to(st(2))); // the middle of both axes
  CHECK(sh.at(31, 3) == st(1));
  CHECK(sh.at(32, 3) == st(2));
  CHECK(sh.at(63, 5) == st(2));
  CHECK(sh.at(64, 5) == st(1));
  CHECK(sh.at(40, 1) == st(1));
  CHECK(sh.at(40, 6) == st(1));
  auto m = pieces(sh, 0, 128, 0, 8);
  // granules 0-1: one run; 2-5: three partition runs; 6-7: one run.
  CHECK(m.size() == 5);
  CHECK(m[{32, 2}] == st(2));
  CHECK(m[{64, 2}] == st(1));
  // Writing the whole tile again merges everything into one run.
  sh.update(0, 128, 0, 8, set_to(st(3)));
  CHECK(sh.distinct_columns(0, 8) == 1);
  CHECK(pieces(sh, 0, 128, 0, 8).size() == 1);
  // Adjacent writes by one epoch to neighbouring partitions merge too.
  sh.update(0, 64, 8, 16, set_to(st(4)));
  sh.update(64, 128, 8, 16, set_to(st(4)));
  CHECK(pieces(sh, 0, 128, 8, 16).size() == 1);
}

TEST_CASE("chip shadow: visit clips to the rectangle and reports lowest corners") {
  ChipShadow sh(128, 64);
  sh.update(0, 16, 0, 4, set_to(st(1)));
  auto m = pieces(sh, 8, 24, 2, 4);
  REQUIRE(m.size() == 2);
  CHECK(m[{8, 2}] == st(1));
  CHECK(m[{16, 2}] == st(0));
}

TEST_CASE("chip shadow: an update that changes nothing allocates nothing") {
  ChipShadow sh(128, 64);
  sh.update(0, 128, 0, 64, set_to(st(5)));
  const size_t cols = sh.pool_columns();
  sh.update(0, 128, 0, 64, [](ShadowState s) { return s; });
  CHECK(sh.pool_columns() == cols);
}

TEST_CASE("chip shadow: reads between writes keep per-partition state apart") {
  // Write all, read half the partitions, write the other half: three states.
  ChipShadow sh(128, 16);
  sh.update(0, 128, 0, 16, set_to(st(1)));
  sh.update(0, 64, 0, 16, [](ShadowState s) { return ShadowState{s.w, 9}; });
  sh.update(64, 128, 0, 8, set_to(st(2)));
  CHECK(sh.at(0, 0) == st(1, 9));
  CHECK(sh.at(64, 0) == st(2));
  CHECK(sh.at(64, 8) == st(1));
  CHECK(sh.distinct_columns(0, 16) == 2);
}

TEST_CASE("chip shadow: collection drops dead columns and keeps every state") {
  ChipShadow sh(128, 256);
  for (unsigned i = 1; i <= 2000; ++i) sh.update(i % 128, i % 128 + 1, i % 256, i % 256 + 1, set_to(st(i)));
  std::vector<ShadowState> before;
  for (unsigned p = 0; p < 128; ++p)
    for (uint64_t g = 0; g < 256; ++g) before.push_back(sh.at(p, g));
  const size_t runs = sh.pool_runs();
  sh.collect();
  CHECK(sh.pool_runs() <= runs);
  size_t i = 0;
  for (unsigned p = 0; p < 128; ++p)
    for (uint64_t g = 0; g < 256; ++g) CHECK(sh.at(p, g) == before[i++]);
}

TEST_CASE("hbm shadow: intervals split at partial overlaps and merge when equal") {
  HbmShadow sh(1 << 20);
  sh.update(100, 200, set_to(st(1)));
  sh.update(150, 300, set_to(st(2))); // overlaps the end of the first
  auto v = intervals(sh, 0, 400);
  REQUIRE(v.size() == 4);
  CHECK(v[0] == std::pair<int64_t, ShadowState>{0, st(0)});
  CHECK(v[1] == std::pair<int64_t, ShadowState>{100, st(1)});
  CHECK(v[2] == std::pair<int64_t, ShadowState>{150, st(2)});
  CHECK(v[3] == std::pair<int64_t, ShadowState>{300, st(0)});
  // Visit starts inside an interval at the asked byte.
  CHECK(intervals(sh, 120, 160).front().first == 120);
  // Adjacent write by the same epoch: merged with its neighbour.
  sh.update(300, 400, set_to(st(2)));
  CHECK(intervals(sh, 0, 4096).size() == 4);
  CHECK(sh.intervals(0, 4096) == 4);
  sh.update(0, 4096, set_to(st(0)));
  CHECK(sh.intervals(0, 4096) == 1);
}

TEST_CASE("hbm shadow: ranges across blocks; untouched blocks cost no storage") {
  const int64_t B = HbmShadow::kBlockBytes;
  HbmShadow sh(uint64_t(1) << 30);
  sh.update(B - 8, 3 * B + 8, set_to(st(3)));
  CHECK(sh.at(B - 9) == st(0));
  CHECK(sh.at(B - 8) == st(3));
  CHECK(sh.at(2 * B) == st(3));
  CHECK(sh.at(3 * B + 7) == st(3));
  CHECK(sh.at(3 * B + 8) == st(0));
  // Block boundaries show in visit (one piece per block) but not in states.
  auto v = intervals(sh, B - 8, 3 * B + 8);
  CHECK(v.size() == 4);
  for (auto &[b, s] : v) CHECK(s == st(3));
  CHECK(sh.at((int64_t(1) << 30) - 1) == st(0));
}

TEST_CASE("shadows match a plain array on random accesses") {
  SplitMix64 rng(42);
  const unsigned P = 16;
  const uint64_t G = 96;
  ChipShadow chip(P, G);
  std::vector<ShadowState> chip_ref(P * G);
  const int64_t H = 3 * HbmShadow::kBlockBytes;
  HbmShadow hbm{uint64_t(H)};
  std::vector<ShadowState> hbm_ref(size_t(H), ShadowState{});
  for (unsigned step = 1; step <= 3000; ++step) {
    // Few distinct values so that merging happens; a read-like map that
    // keeps w and a write-like one that replaces the state.
    const uint32_t v = uint32_t(rng.next() % 5);
    const bool write = rng.next() % 2;
    auto next = [&](ShadowState s) { return write ? ShadowState{v, 0} : ShadowState{s.w, s.r + v}; };
    unsigned p0 = unsigned(rng.next() % P), p1 = unsigned(rng.next() % P);
    if (p0 > p1) std::swap(p0, p1);
    uint64_t g0 = rng.next() % G, g1 = rng.next() % G;
    if (g0 > g1) std::swap(g0, g1);
    chip.update(p0, p1 + 1, g0, g1 + 1, next);
    for (unsigned p = p0; p <= p1; ++p)
      for (uint64_t g = g0; g <= g1; ++g) chip_ref[p * G + g] = next(chip_ref[p * G + g]);
    int64_t b0 = int64_t(rng.next() % uint64_t(H)), b1 = int64_t(rng.next() % uint64_t(H));
    if (b0 > b1) std::swap(b0, b1);
    hbm.update(b0, b1 + 1, next);
    for (int64_t b = b0; b <= b1; ++b) hbm_ref[size_t(b)] = next(hbm_ref[size_t(b)]);
    if (step % 97 == 0) chip.collect();
  }
  for (unsigned p = 0; p < P; ++p)
    for (uint64_t g = 0; g < G; ++g) REQUIRE(chip.at(p, g) == chip_ref[p * G + g]);
  for (int64_t b = 0; b < H; ++b) REQUIRE(hbm.at(b) == hbm_ref[size_t(b)]);
  // visit() reports each piece with its corner's state.
  chip.visit(2, 14, 5, 90, [&](unsigned p, uint64_t g, ShadowState s) {
    CHECK(s == chip_ref[p * G + g]);
    return true;
  });
  // HBM intervals stay merged: neighbours inside a block differ.
  for (int64_t b = 0; b < H; b += HbmShadow::kBlockBytes) {
    auto v = intervals(hbm, b, b + HbmShadow::kBlockBytes);
    for (size_t i = 1; i < v.size(); ++i) CHECK(v[i].second != v[i - 1].second);
  }
}

namespace {
// The written-byte map's reference: a bool per (partition, byte).
struct ByteMapModel {
  unsigned P;
  uint64_t B;
  std::vector<bool> ref = std::vector<bool>(P * B, false);
  void set(unsigned p0, unsigned p1, uint64_t lo, uint64_t hi) {
    for (unsigned p = p0; p < p1; ++p)
      for (uint64_t b = lo; b < hi; ++b) ref[p * B + b] = true;
  }
  bool all_set(unsigned p0, unsigned p1, uint64_t lo, uint64_t hi) const {
    bool all = true;
    for (unsigned p = p0; p < p1; ++p)
      for (uint64_t b = lo; b < hi; ++b) all = all && ref[p * B + b];
    return all;
  }
  uint64_t first_unset(unsigned p, uint64_t lo, uint64_t hi) const {
    uint64_t want = lo;
    while (want < hi && ref[p * B + want]) ++want;
    return want;
  }
};
} // namespace

TEST_CASE("written map: partition ranges across the mask words, the first hole") {
  WrittenMap w(128, 1024);
  CHECK(!w.all_set(0, 1, 0, 1));
  CHECK(w.first_unset(0, 0, 1024) == 0);
  w.set(60, 70, 10, 20); // partitions across the two mask words
  CHECK(w.all_set(60, 70, 10, 20));
  CHECK(w.all_set(63, 65, 12, 13));
  CHECK(!w.all_set(59, 70, 10, 20));
  CHECK(!w.all_set(60, 71, 10, 20));
  CHECK(!w.all_set(60, 70, 9, 20));
  CHECK(!w.all_set(60, 70, 10, 21));
  CHECK(w.first_unset(64, 0, 100) == 0);
  CHECK(w.first_unset(64, 10, 100) == 20);
  CHECK(w.first_unset(70, 10, 100) == 10);
  w.set(0, 128, 1000, 1024); // every partition, to the last byte
  CHECK(w.all_set(0, 128, 1000, 1024));
  CHECK(w.first_unset(127, 1000, 1024) == 1024);
  CHECK(w.all_set(5, 6, 7, 7)); // empty ranges hold trivially
  // Random rectangles against a plain byte map.
  SplitMix64 rng(3);
  const unsigned P = 128;
  const uint64_t B = 300;
  WrittenMap w2(P, B);
  ByteMapModel ref{P, B};
  for (int i = 0; i < 600; ++i) {
    unsigned p0 = unsigned(rng.next() % P), p1 = unsigned(rng.next() % (P + 1));
    if (p0 > p1) std::swap(p0, p1);
    uint64_t lo = rng.next() % B, hi = rng.next() % (B + 1);
    if (lo > hi) std::swap(lo, hi);
    if (i % 3 == 0) {
      hi = std::min<uint64_t>(hi, lo + 30);
      w2.set(p0, p1, lo, hi);
      ref.set(p0, p1, lo, hi);
    } else {
      REQUIRE(w2.all_set(p0, p1, lo, hi) == ref.all_set(p0, p1, lo, hi));
      REQUIRE(w2.first_unset(p0, lo, hi) == ref.first_unset(p0, lo, hi));
    }
  }
}

TEST_CASE("written map: blocks written in every partition (the complete-block summary) against a byte map") {
  // Mostly every-partition writes, some of whole 64-byte blocks (marked
  // complete without their masks), some partial, mixed with narrower
  // writes, so blocks complete through one write, through several, or not.
  SplitMix64 rng(11);
  const unsigned P = 128;
  const uint64_t B = 1000;
  WrittenMap w(P, B);
  ByteMapModel ref{P, B};
  for (int i = 0; i < 3000; ++i) {
    const unsigned kind = unsigned(rng.next() % 4);
    if (kind < 2) {
      unsigned p0 = 0, p1 = P;
      uint64_t lo = rng.next() % B, hi = std::min<uint64_t>(B, lo + rng.next() % 200);
      if (kind == 1 && rng.next() % 2) { // whole blocks
        lo = lo / 64 * 64;
        hi = std::min<uint64_t>(B, lo + 64 * (1 + rng.next() % 3));
      }
      if (rng.next() % 4 == 0) { // narrower partitions
        p0 = unsigned(rng.next() % P);
        p1 = p0 + unsigned(rng.next() % (P - p0 + 1));
      }
      w.set(p0, p1, lo, hi);
      ref.set(p0, p1, lo, hi);
    } else {
      unsigned p0 = unsigned(rng.next() % P), p1 = unsigned(rng.next() % (P + 1));
      if (p0 > p1) std::swap(p0, p1);
      if (kind == 3) p0 = 0, p1 = P;
      uint64_t lo = rng.next() % B, hi = rng.next() % (B + 1);
      if (lo > hi) std::swap(lo, hi);
      REQUIRE(w.all_set(p0, p1, lo, hi) == ref.all_set(p0, p1, lo, hi));
      for (unsigned p : {p0, (p0 + p1) / 2}) {
        if (p >= P) continue;
        REQUIRE(w.first_unset(p, lo, hi) == ref.first_unset(p, lo, hi));
      }
    }
  }
  // By the end every byte is written: everything reads as set.
  CHECK(w.all_set(0, P, 0, B) == ref.all_set(0, P, 0, B));
}
