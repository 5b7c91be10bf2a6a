// The per-kernel references: registry lookup, input validation, and the
// math on cases small enough to check by hand.
#include "oracle/array.h"
#include "oracle/kernel_reference.h"

#include "runtime/hbm_binding.h"

#include <doctest/doctest.h>

#include <cmath>

using namespace nk;
using namespace nk::oracle;

namespace {

std::string error_of(llvm::Expected<TensorMap> r) { return r ? "" : llvm::toString(r.takeError()); }

HostTensor random_input(const char *name, Dtype t, std::vector<int64_t> shape, uint64_t seed, double scale = 1) {
  return random_tensor(TensorDecl{name, t, std::move(shape), 0, TensorKind::input}, seed, scale);
}

} // namespace

TEST_CASE("references: registry keyed by kernel name") {
  const KernelReference *r = find_reference("decode_attention");
  REQUIRE(r != nullptr);
  CHECK(r->name == "decode_attention");
  CHECK(find_reference("decode_attention_gqa") != nullptr);
  CHECK(find_reference("no_such_kernel") == nullptr);
  CHECK(all_references().size() == 7);
  TensorMap f32{{"q", HostTensor(Dtype::f32, {4, 1})}};
  TensorMap bf{{"q", HostTensor(Dtype::bf16, {4, 1})}};
  TensorMap expected{{"out", HostTensor::from_floats(Dtype::f32, {1, 3}, {0.5f, -2.0f, 1.0f})}};
  CHECK(r->tolerance_for(f32, f32, expected).rtol == 1e-5);
  CHECK(r->tolerance_for(f32, f32, expected).atol == 1e-5);
  // bf16 anywhere: one bf16 rounding, relative to the largest output.
  CHECK(r->tolerance_for(bf, f32, expected).rtol == 0x1p-8);
  CHECK(r->tolerance_for(bf, f32, expected).atol == 2 * 0x1p-8);
  CHECK(r->tolerance_for(f32, bf, expected).atol == 2 * 0x1p-8);
  TensorMap f16{{"q", HostTensor(Dtype::f16, {4, 1})}};
  CHECK(r->tolerance_for(f16, f32, expected).rtol == 0x1p-11);
  // A non-finite expected value does not widen the tolerance.
  TensorMap inf{{"out", HostTensor::from_floats(Dtype::f32, {2}, {INFINITY, 0.25f})}};
  CHECK(r->tolerance_for(bf, f32, inf).atol == 0.25 * 0x1p-8);
}

TEST_CASE("references: decode_attention by hand") {
  // d = 2, s = 2. q = (1, 0), keys (ln 4 * sqrt 2, 0) and (0, 0): the
  // logits are (ln 4, 0), so p = (0.8, 0.2).
  float a = float(std::log(4.0) * std::sqrt(2.0));
  TensorMap in{{"q", HostTensor::from_floats(Dtype::f32, {2, 1}, {1, 0})},
               {"k", HostTensor::from_floats(Dtype::f32, {2, 2}, {a, 0, 0, 0})}, // k[:, j] is key j
               {"v", HostTensor::from_floats(Dtype::f32, {2, 2}, {10, 20, 1, 2})}};
  auto out = find_reference("decode_attention")->run(in);
  REQUIRE(out);
  const HostTensor &o = out->at("out");
  CHECK(o.shape == std::vector<int64_t>{1, 2});
  CHECK(o.get_f32(0) == doctest::Approx(0.8 * 10 + 0.2 * 20).epsilon(1e-6));
  CHECK(o.get_f32(1) == doctest::Approx(0.8 * 1 + 0.2 * 2).epsilon(1e-6));
}

TEST_CASE("references: GQA through input views equals GQA on host tensors, bit for bit") {
  int64_t d = 12, s = 300, n_kv = 3, n_q = 6;
  HostTensor q = random_input("q", Dtype::f32, {d, n_q}, 4);
  HostTensor k = random_input("k", Dtype::bf16, {n_kv, d, s}, 4);
  HostTensor v = random_input("v", Dtype::f32, {n_kv, d, s}, 4);
  TensorMap in{{"q", q}, {"k", k}, {"v", v}};
  auto a = decode_attention_gqa_reference(in);
  // Views that read in odd-sized pieces, as a generator would.
  InputViews views = views_of(in);
  uint64_t reads = 0;
  for (auto &kv : views) {
    auto inner = kv.second.read;
    kv.second.read = [inner, &reads](uint64_t first, uint64_t n, float *out) {
      ++reads;
      for (uint64_t i = 0; i < n; i += 7) inner(first + i, std::min<uint64_t>(7, n - i), out + i);
    };
  }
  auto b = decode_attention_gqa_reference_views(views, 1);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->at("out") == b->at("out"));
  // One read of q, then each row of k and v once per KV head (not per query
  // head), 8 rows at a time.
  CHECK(reads == 1 + 2 * uint64_t(n_kv * ((d + 7) / 8)));
  // Any number of threads, the same values (KV heads in parallel).
  for (unsigned threads : {2u, 3u, 16u}) {
    auto c = decode_attention_gqa_reference_views(views_of(in), threads);
    REQUIRE(c);
    CHECK(a->at("out") == c->at("out"));
  }
  // Problems are reported from the views alone.
  views.erase("v");
  auto missing = decode_attention_gqa_reference_views(views, 2);
  REQUIRE(!missing);
  CHECK(llvm::toString(missing.takeError()) == "decode_attention_gqa reference: missing input 'v'");
}

TEST_CASE("references: GQA equals single-head attention per query head") {
  int64_t d = 20, s = 32, n_kv = 2, n_q = 6, group = 3; // d: two blocks of V rows and a part
  HostTensor q = random_input("q", Dtype::f32, {d, n_q}, 1);
  HostTensor k = random_input("k", Dtype::f32, {n_kv, d, s}, 1);
  HostTensor v = random_input("v", Dtype::f32, {n_kv, d, s}, 1);
  auto gqa = decode_attention_gqa_reference({{"q", q}, {"k", k}, {"v", v}});
  REQUIRE(gqa);
  const HostTensor &o = gqa->at("out");
  REQUIRE(o.shape == std::vector<int64_t>{n_q, d});
  Array qa = Array::from_host(q), ka = Array::from_host(k), va = Array::from_host(v);
  for (int64_t h = 0; h < n_q; ++h) {
    int64_t kv = h / group;
    Array qh = qa.transpose().index(h).reshape({d, 1});
    TensorMap one{{"q", qh.to_host()}, {"k", ka.index(kv).to_host()}, {"v", va.index(kv).to_host()}};
    auto single = decode_attention_reference(one);
    REQUIRE(single);
    for (int64_t j = 0; j < d; ++j) CHECK(o.get_f32(uint64_t(h * d + j)) == single->at("out").get_f32(uint64_t(j)));
  }
  // Heads of one group differ (different queries), and the output is a
  // convex combination of the values: within their range.
  CHECK(o.get_f32(0) != o.get_f32(uint64_t(d)));
  for (float x : o.to_floats()) {
    CHECK(x >= -1.0f);
    CHECK(x <= 1.0f);
  }
}

TEST_CASE("references: bf16 inputs compute on the rounded values") {
  HostTensor q = random_input("q", Dtype::f32, {8, 1}, 5);
  HostTensor k = random_input("k", Dtype::f32, {8, 16}, 5);
  HostTensor v = random_input("v", Dtype::f32, {8, 16}, 5);
  auto to_bf16 = [](const HostTensor &t) { return HostTensor::from_floats(Dtype::bf16, t.shape, t.to_floats()); };
  auto bf = decode_attention_reference({{"q", to_bf16(q)}, {"k", to_bf16(k)}, {"v", to_bf16(v)}});
  auto rounded_f32 =
      decode_attention_reference({{"q", HostTensor::from_floats(Dtype::f32, {8, 1}, to_bf16(q).to_floats())},
                                  {"k", HostTensor::from_floats(Dtype::f32, {8, 16}, to_bf16(k).to_floats())},
                                  {"v", HostTensor::from_floats(Dtype::f32, {8, 16}, to_bf16(v).to_floats())}});
  REQUIRE(bf);
  REQUIRE(rounded_f32);
  CHECK(bf->at("out") == rounded_f32->at("out"));
  CHECK(bf->at("out").dtype == Dtype::f32);
}

TEST_CASE("references: input errors name the input") {
  HostTensor q(Dtype::f32, {4, 1}), k(Dtype::f32, {4, 8}), v(Dtype::f32, {4, 8});
  CHECK(error_of(decode_attention_reference({{"q", q}, {"k", k}})) == "decode_attention reference: missing input 'v'");
  CHECK(error_of(decode_attention_reference({{"q", q}, {"k", k}, {"v", v}, {"w", v}})) ==
        "decode_attention reference: unexpected input 'w'");
  CHECK(error_of(decode_attention_reference({{"q", HostTensor(Dtype::f32, {4, 2})}, {"k", k}, {"v", v}})) ==
        "decode_attention reference: input 'q' has shape [4,2], expected [d,1]");
  CHECK(error_of(decode_attention_reference({{"q", q}, {"k", HostTensor(Dtype::f32, {5, 8})}, {"v", v}})) ==
        "decode_attention reference: input 'k' has shape [5,8], expected [d,s] with d=4 (from q)");
  CHECK(error_of(decode_attention_reference({{"q", q}, {"k", k}, {"v", HostTensor(Dtype::f32, {4, 7})}})) ==
        "decode_attention reference: input 'v' has shape [4,7], expected [4,8] (the shape of k)");
  CHECK(error_of(decode_attention_reference({{"q", q}, {"k", HostTensor(Dtype::i32, {4, 8})}, {"v", v}})) ==
        "decode_attention reference: input 'k' is i32, expected a float type");
  CHECK(error_of(decode_attention_reference({{"q", HostTensor(Dtype::f32, {4})}, {"k", k}, {"v", v}})) ==
        "decode_attention reference: input 'q' has shape [4], expected 2 dimensions");
  CHECK(error_of(decode_attention_reference({{"q", HostTensor(Dtype::f32, {0, 1})}, {"k", k}, {"v", v}})) ==
        "decode_attention reference: input 'q' has an empty shape [0,1]");
  HostTensor gq(Dtype::f32, {4, 3}), gk(Dtype::f32, {2, 4, 8});
  CHECK(error_of(decode_attention_gqa_reference({{"q", gq}, {"k", gk}, {"v", gk}})) ==
        "decode_attention_gqa reference: n_q=3 (from q) is not a multiple of n_kv=2 (from k)");
  CHECK(error_of(decode_attention_gqa_reference({{"q", HostTensor(Dtype::f32, {5, 4})}, {"k", gk}, {"v", gk}})) ==
        "decode_attention_gqa reference: input 'k' has shape [2,4,8], expected [n_kv,d,s] with d=5 (from q)");
}

TEST_CASE("references: the kernels' online softmax over 128-position tiles agrees") {
  // docs/kernels.md's GQA algorithm (running max m, sum l, accumulator acc
  // per query row, rescaled by alpha = exp(m - m_new) per tile), written
  // with the oracle's own ops, must reproduce the reference to fp32 rounding.
  int64_t d = 32, s = 512, n_kv = 2, n_q = 4, group = 2, tile = 128;
  HostTensor q = random_input("q", Dtype::f32, {d, n_q}, 9, 8.0); // queries scaled by 8
  HostTensor k = random_input("k", Dtype::f32, {n_kv, d, s}, 9);
  HostTensor v = random_input("v", Dtype::f32, {n_kv, d, s}, 9);
  auto ref = decode_attention_gqa_reference({{"q", q}, {"k", k}, {"v", v}});
  REQUIRE(ref);
  double scale = 1.0 / std::sqrt(double(d));
  Array qa = Array::from_host(q), ka = Array::from_host(k), va = Array::from_host(v);
  std::vector<Array> heads;
  for (int64_t g = 0; g < n_kv; ++g) {
    // The group's query columns ride together: qg (d, group).
    std::vector<Array> cols;
    for (int64_t j = 0; j < group; ++j) cols.push_back(qa.transpose().index(g * group + j));
    Array qg = stack(cols).transpose();
    Array m = Array::full({group, 1}, -INFINITY), l = Array::full({group, 1}, 0.0);
    Array acc = Array::full({group, d}, 0.0);
    for (int64_t t = 0; t < s / tile; ++t) {
      std::vector<Array> kcols, vcols;
      for (int64_t j = 0; j < tile; ++j) {
        kcols.push_back(ka.index(g).transpose().index(t * tile + j));
        vcols.push_back(va.index(g).transpose().index(t * tile + j));
      }
      Array kt = stack(kcols), vt = stack(vcols);                // (tile, d)
      Array qk = matmul(qg.transpose(), kt.transpose()) * scale; // (group, tile)
      Array m_new = maximum(m, max(qk, 1, true));
      Array alpha = exp(m - m_new);
      Array p = exp(qk - m_new);
      l = l * alpha + sum(p, 1, true);
      acc = acc * alpha + matmul(p, vt);
      m = m_new;
    }
    Array o = acc / l;
    for (int64_t j = 0; j < group; ++j) heads.push_back(o.index(j));
  }
  auto cmp = compare_tensors("online", stack(heads).to_host(), ref->at("out"), {1e-6, 1e-5});
  REQUIRE(cmp);
  MESSAGE("online softmax vs reference: max abs error " << cmp->max_abs_error);
  CHECK(cmp->passed);
  CHECK(cmp->max_abs_error < 1e-5);
}

TEST_CASE("references: --check's memory estimate is the inputs plus the streamed rows' working set") {
  const KernelReference *r = find_reference("decode_attention_gqa");
  REQUIRE(r);
  // d = 128, n_q = 8, n_kv = 2, s = 2^20, fp32: inputs 1 GiB each for k and v.
  const int64_t s = int64_t(1) << 20;
  std::map<std::string, std::pair<Dtype, std::vector<int64_t>>> in{
      {"q", {Dtype::f32, {128, 8}}}, {"k", {Dtype::f32, {2, 128, s}}}, {"v", {Dtype::f32, {2, 128, s}}}};
  const uint64_t inputs = 128 * 8 * 4 + 2 * uint64_t(2 * 128 * s * 4);
  // The GQA reference streams rows of s elements: eight rows of floats and
  // two s-long double vectors per query head of a group (4 here), whatever
  // d and n_kv are (per thread: nksim multiplies by its threads).
  CHECK(r->check_bytes(in) == inputs + 8 * 4 * uint64_t(s) + 2 * 8 * 4 * uint64_t(s));
  // bf16 inputs halve the input part only.
  for (auto &kv : in) kv.second.first = Dtype::bf16;
  CHECK(r->check_bytes(in) == inputs / 2 + 8 * 4 * uint64_t(s) + 2 * 8 * 4 * uint64_t(s));
  // The single-head reference (s <= 128) transposes K and V to doubles.
  const KernelReference *one = find_reference("decode_attention");
  REQUIRE(one);
  std::map<std::string, std::pair<Dtype, std::vector<int64_t>>> in1{
      {"q", {Dtype::f32, {128, 1}}}, {"k", {Dtype::f32, {128, 128}}}, {"v", {Dtype::f32, {128, 128}}}};
  CHECK(one->check_bytes(in1) == 128 * 4 + 2 * 128 * 128 * 4 + 3 * 8 * 128 * 128);
}

namespace {

// A paged batch: B = 2 sequences, T = 1, n_q = 2, n_kv = 1, d = 2, block = 2,
// max_blocks = 2, n_blocks = 3; K/V of block b at slot s: K = (b, s), V = (10 b + s, 1).
TensorMap paged_inputs(std::vector<int32_t> table, std::vector<int32_t> lens, int32_t window = 0, int32_t sinks = 0) {
  TensorMap in;
  in["q"] = HostTensor::from_floats(Dtype::f32, {2, 1, 2, 2}, {1, 0, 0, 1, 1, 0, 0, 1});
  HostTensor k(Dtype::f32, {3, 2, 1, 2}), v(Dtype::f32, {3, 2, 1, 2});
  for (int b = 0; b < 3; ++b)
    for (int s = 0; s < 2; ++s) {
      k.set_f32(uint64_t((b * 2 + 0) * 2 + s), float(b)); // k[b, 0, 0, s]
      k.set_f32(uint64_t((b * 2 + 1) * 2 + s), float(s)); // k[b, 1, 0, s]
      v.set_f32(uint64_t((b * 2 + s) * 2 + 0), float(10 * b + s));
      v.set_f32(uint64_t((b * 2 + s) * 2 + 1), 1.0f);
    }
  in["k_cache"] = k;
  in["v_cache"] = v;
  auto ints = [](std::vector<int64_t> shape, const std::vector<int32_t> &vals) {
    HostTensor t(Dtype::i32, std::move(shape));
    for (size_t i = 0; i < vals.size(); ++i) store_from_i64(Dtype::i32, t.data.data() + 4 * i, vals[i]);
    return t;
  };
  in["block_table"] = ints({2, 2}, table);
  in["seq_lens"] = ints({2}, lens);
  in["window"] = ints({1}, {window});
  in["sinks"] = ints({1}, {sinks});
  return in;
}

// softmax(logits) @ values, in double.
std::pair<double, double> attend2(const std::vector<double> &logits, const std::vector<double> &vals) {
  double mx = -1e300, sum = 0, acc = 0;
  for (double x : logits) mx = std::max(mx, x);
  for (size_t i = 0; i < logits.size(); ++i) {
    sum += std::exp(logits[i] - mx);
    acc += std::exp(logits[i] - mx) * vals[i];
  }
  return {acc / sum, 1.0};
}

} // namespace

TEST_CASE("references: paged attention by hand") {
  const KernelReference *r = find_reference("decode_attention_paged");
  REQUIRE(r != nullptr);
  // Sequence 0: length 3 over blocks 2, 0 (positions 0, 1 in block 2; 2 in
  // block 0). Sequence 1: length 1 in block 1; its second entry is unused.
  auto out = r->run(paged_inputs({2, 0, 1, -7}, {3, 1}));
  REQUIRE(out);
  const HostTensor &o = out->at("out");
  REQUIRE(o.shape == std::vector<int64_t>{2, 2, 2});
  const double sc = 1 / std::sqrt(2.0);
  // Head 0 (q = (1, 0)) of sequence 0: logits K_j . q = block of position j.
  auto [h0, one] = attend2({2 * sc, 2 * sc, 0}, {20, 21, 0});
  CHECK(o.get_f32(0) == doctest::Approx(h0).epsilon(1e-6));
  CHECK(o.get_f32(1) == doctest::Approx(one));
  // Head 1 (q = (0, 1)): logits = slot of position j.
  auto [h1, one1] = attend2({0, sc, 0}, {20, 21, 0});
  CHECK(o.get_f32(2) == doctest::Approx(h1).epsilon(1e-6));
  // Sequence 1 sees position 0 only: V = (10, 1).
  CHECK(o.get_f32(4) == doctest::Approx(10.0));
  // A window of 1 with one sink: sequence 0's query at 2 sees 0 and 2.
  auto win = r->run(paged_inputs({2, 0, 1, 0}, {3, 1}, 1, 1));
  REQUIRE(win);
  auto [w0, one2] = attend2({2 * sc, 0}, {20, 0});
  CHECK(win->at("out").get_f32(0) == doctest::Approx(w0).epsilon(1e-6));
  (void)one;
  (void)one1;
  (void)one2;
}

TEST_CASE("references: paged attention validates lengths and used table entries") {
  const KernelReference *r = find_reference("decode_attention_paged");
  REQUIRE(r != nullptr);
  CHECK(error_of(r->run(paged_inputs({2, 0, 1, 0}, {5, 1}))) ==
        "decode_attention_paged reference: input 'seq_lens': sequence 0 has length 5, outside [1, 4] (T = 1 query "
        "tokens, max_blocks * block = 2 * 2 positions)");
  CHECK(error_of(r->run(paged_inputs({2, 0, 1, 0}, {3, 0}))).find("sequence 1 has length 0") != std::string::npos);
  CHECK(error_of(r->run(paged_inputs({2, 3, 1, 0}, {3, 1}))) ==
        "decode_attention_paged reference: input 'block_table': sequence 0 block 1 (positions 2..3) is 3, outside "
        "[0, 3) (n_blocks)");
  // With a window of 1 and no sinks, sequence 0 (length 4) sees only
  // position 3: its first entry is not read.
  CHECK(error_of(r->run(paged_inputs({-1, 0, 1, 0}, {4, 1}, 1))) == "");
  CHECK(error_of(r->run(paged_inputs({-1, 0, 1, 0}, {4, 1}, 1, 1))).find("sequence 0 block 0") != std::string::npos);
  CHECK(error_of(r->run(paged_inputs({2, 0, 1, 0}, {3, 1}, -1))).find("input 'window' is -1") != std::string::npos);
}

TEST_CASE("references: paged attention's random indices are valid, and its minimal bytes count seen positions") {
  const KernelReference *r = find_reference("decode_attention_paged");
  REQUIRE(r != nullptr);
  REQUIRE(bool(r->random_inputs));
  std::map<std::string, std::pair<Dtype, std::vector<int64_t>>> decls = {{"q", {Dtype::f32, {3, 2, 8, 4}}},
                                                                         {"k_cache", {Dtype::bf16, {5, 8, 2, 16}}},
                                                                         {"v_cache", {Dtype::bf16, {5, 16, 2, 8}}},
                                                                         {"block_table", {Dtype::i32, {3, 4}}},
                                                                         {"seq_lens", {Dtype::i32, {3}}},
                                                                         {"window", {Dtype::i32, {1}}},
                                                                         {"sinks", {Dtype::i32, {1}}}};
  for (uint64_t seed = 1; seed < 20; ++seed) {
    TensorMap made = r->random_inputs(decls, seed);
    REQUIRE(made.size() == 4);
    llvm::Error e = r->validate_inputs(decls, made);
    CHECK(llvm::toString(std::move(e)) == "");
    for (int b = 0; b < 3; ++b) {
      int64_t len = load_as_i64(Dtype::i32, made["seq_lens"].data.data() + 4 * b);
      CHECK(len >= 2);
      CHECK(len <= 64);
    }
  }
  // Lengths 2, 64, 10, no window: 76 positions x 2 heads x 8 x (2 + 2) bytes,
  // plus q (3*2*8*4 f32), the table (48), lengths (12), window, sinks (8), out (3*2*4*8 f32).
  TensorMap ints = r->random_inputs(decls, 1);
  for (int b = 0; b < 3; ++b)
    store_from_i64(Dtype::i32, ints["seq_lens"].data.data() + 4 * b, std::vector<int>{2, 64, 10}[b]);
  auto n = r->minimal_hbm_bytes(decls, ints);
  REQUIRE(n);
  CHECK(*n == uint64_t(76 * 2 * 8 * 4 + 3 * 2 * 8 * 4 * 4 + 48 + 12 + 8 + 3 * 2 * 4 * 8 * 4));
}
