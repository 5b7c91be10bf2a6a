// Binding host tensors into an HBM image, reading outputs back, and the
// deterministic random inputs.
#include "runtime/hbm_binding.h"

#include "llvm/Support/FileSystem.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>

using namespace nk;

namespace {

std::string error_of(llvm::Error e) { return e ? llvm::toString(std::move(e)) : ""; }
template <typename T>
std::string error_of(llvm::Expected<T> r) {
  return r ? "" : llvm::toString(r.takeError());
}

Program demo_program() {
  Program p;
  p.kernel = "demo";
  p.target = "trn2";
  p.hbm_size = 256;
  p.tensors = {
      {"x", Dtype::f32, {2, 4}, 0, TensorKind::input},
      {"y", Dtype::bf16, {4}, 32, TensorKind::input},
      {"out", Dtype::f32, {2, 4}, 64, TensorKind::output},
      {"tmp", Dtype::f32, {8}, 128, TensorKind::scratch},
  };
  return p;
}

} // namespace

TEST_CASE("hbm: bind inputs by name and read them back at their offsets") {
  Program p = demo_program();
  auto hbm = allocate_hbm(p);
  REQUIRE(hbm);
  CHECK(hbm->size() == 256);
  HostTensor x = HostTensor::from_floats(Dtype::f32, {2, 4}, {1, 2, 3, 4, 5, 6, 7, 8});
  HostTensor y = HostTensor::from_floats(Dtype::bf16, {4}, {1, -1, 0.5f, 2});
  CHECK(error_of(bind_inputs(p, *hbm, {{"x", x}, {"y", y}})) == "");
  float third;
  std::memcpy(&third, hbm->data() + 2 * 4, 4);
  CHECK(third == 3.0f);
  CHECK(load_as_f32(Dtype::bf16, hbm->data() + 32 + 2 * 2) == 0.5f);
  auto x_back = read_tensor(p, *hbm, "x");
  REQUIRE(x_back);
  CHECK(*x_back == x);

  // Outputs are whatever the simulator left at their offsets.
  float v = 9.5f;
  std::memcpy(hbm->data() + 64 + 7 * 4, &v, 4);
  auto outs = read_outputs(p, *hbm);
  REQUIRE(outs);
  REQUIRE(outs->size() == 1);
  CHECK(outs->at("out").shape == std::vector<int64_t>{2, 4});
  CHECK(outs->at("out").get_f32(7) == 9.5f);
  CHECK(outs->at("out").get_f32(0) == 0.0f);
}

TEST_CASE("hbm: binding errors name the tensor and the mismatch") {
  Program p = demo_program();
  HbmImage hbm = *allocate_hbm(p);
  HostTensor x = HostTensor::from_floats(Dtype::f32, {2, 4}, {1, 2, 3, 4, 5, 6, 7, 8});

  CHECK(error_of(bind_input(p, hbm, "z", x)) == "kernel 'demo' has no tensor 'z' (inputs: x, y; outputs: out)");
  CHECK(error_of(bind_input(p, hbm, "out", x)) ==
        "tensor 'out' of kernel 'demo' is an output, not an input (inputs: x, y)");
  CHECK(error_of(bind_input(p, hbm, "x", HostTensor(Dtype::f32, {4, 2}))) ==
        "tensor 'x': expected f32[2,4], got f32[4,2] (shape differs)");
  CHECK(error_of(bind_input(p, hbm, "x", HostTensor(Dtype::f16, {2, 4}))) ==
        "tensor 'x': expected f32[2,4], got f16[2,4] (dtype differs)");
  CHECK(error_of(bind_input(p, hbm, "y", HostTensor(Dtype::f32, {3}))) ==
        "tensor 'y': expected bf16[4], got f32[3] (dtype and shape differ)");
  HostTensor short_data = x;
  short_data.data.resize(8);
  CHECK(error_of(bind_input(p, hbm, "x", short_data)) == "tensor 'x': host data holds 8 bytes, expected 32");
  CHECK(error_of(bind_inputs(p, hbm, {{"x", x}})) == "kernel 'demo': no value for input y (bf16[4])");
  CHECK(error_of(read_tensor(p, hbm, "nope")).find("has no tensor 'nope'") != std::string::npos);
  // A failed bind leaves the image untouched.
  for (uint8_t b : hbm) REQUIRE(b == 0);

  // A tensor that does not fit in HBM is rejected before anything is copied.
  Program bad = p;
  bad.tensors[2].hbm_offset = 240;
  CHECK(error_of(allocate_hbm(bad)) ==
        "tensor 'out' (f32[2,4] at HBM offset 240) does not fit in the 256 bytes of HBM of kernel 'demo'");
  HbmImage small(16, 0);
  CHECK(error_of(bind_input(p, small, "x", x)).find("does not fit") != std::string::npos);
  CHECK(error_of(read_tensor(p, small, "x")).find("does not fit") != std::string::npos);
}

TEST_CASE("random inputs: deterministic, documented distribution") {
  // splitmix64's published first outputs for seed 0 (the reference stream
  // from Vigna's splitmix64.c), so the stream is the same everywhere.
  SplitMix64 rng(0);
  CHECK(rng.next() == 0xe220a8397b1dcdafull);
  CHECK(rng.next() == 0x6e789e6aa1b965f4ull);
  CHECK(rng.next() == 0x06c45d188009454full);

  Program p = demo_program();
  auto a = random_inputs(p, 7);
  auto b = random_inputs(p, 7);
  auto c = random_inputs(p, 8);
  REQUIRE(a.size() == 2); // inputs only
  CHECK(a.at("x") == b.at("x"));
  CHECK(a.at("x") != c.at("x"));
  CHECK(a.at("x") != a.at("y")); // streams differ per tensor name
  CHECK(a.at("y").dtype == Dtype::bf16);
  HbmImage img(p.hbm_size, 0);
  CHECK(error_of(bind_inputs(p, img, a)) == "");

  // Uniform on [-1, 1) times scale: the range and the mean of many draws.
  TensorDecl big{"w", Dtype::f32, {4096}, 0, TensorKind::input};
  HostTensor w = random_tensor(big, 1, 3.0);
  double sum = 0, lo = 1e9, hi = -1e9;
  for (float v : w.to_floats()) {
    sum += v;
    lo = std::min(lo, double(v));
    hi = std::max(hi, double(v));
  }
  CHECK(lo >= -3.0);
  CHECK(hi < 3.0);
  CHECK(lo < -2.9);
  CHECK(hi > 2.9);
  CHECK(std::fabs(sum / 4096) < 0.15);
  // The exact first value, pinned so any change to the generator shows.
  SplitMix64 ref(1 ^ 0xaf63ea4c86020456ull); // FNV-1a("w")
  CHECK(w.get_f32(0) == float(double(ref.uniform_pm1()) * 3.0));

  TensorDecl ints{"i", Dtype::i32, {1000}, 0, TensorKind::input};
  HostTensor it = random_tensor(ints, 3, 5.0);
  bool saw_min = false, saw_max = false;
  for (float v : it.to_floats()) {
    CHECK(v >= -5);
    CHECK(v <= 5);
    CHECK(v == std::floor(v));
    saw_min |= v == -5;
    saw_max |= v == 5;
  }
  CHECK(saw_min);
  CHECK(saw_max);
  TensorDecl bytes{"b", Dtype::u8, {1000}, 0, TensorKind::input};
  HostTensor bt = random_tensor(bytes, 3, 1000.0);
  uint8_t top = 0;
  for (uint8_t v : bt.data) top = std::max(top, v);
  CHECK(top > 240);
}

TEST_CASE("random inputs: the block-wise generator gives the sequential stream") {
  // fill_random makes values a block at a time; each must still be the
  // n-th uniform_pm1 of the tensor's stream, at every length around the
  // block sizes, for f32 (scaled or not) and bf16.
  for (int64_t n : {0, 1, 511, 512, 513, 2047, 2048, 2049, 5000}) {
    for (double scale : {1.0, 3.0, 0.1}) {
      for (Dtype t : {Dtype::f32, Dtype::bf16}) {
        TensorDecl d{"w", t, {n}, 0, TensorKind::input};
        HostTensor got = random_tensor(d, 9, scale);
        SplitMix64 ref(9 ^ 0xaf63ea4c86020456ull); // FNV-1a("w")
        HostTensor want(t, {n});
        for (int64_t i = 0; i < n; ++i)
          store_from_f32(t, want.data.data() + i * dtype_size(t), float(double(ref.uniform_pm1()) * scale));
        INFO("n ", n, " scale ", scale);
        REQUIRE(got == want);
      }
    }
  }
}

TEST_CASE("random inputs: the normal distribution is standard normal, exact and machine independent") {
  TensorDecl d{"w", Dtype::f32, {200000}, 0, TensorKind::input};
  HostTensor t = random_tensor(d, 4, 1.0, RandomDist::normal);
  double sum = 0, sq = 0, beyond2 = 0, lo = 0, hi = 0, inexact = 0;
  const std::vector<float> v = t.to_floats();
  for (float x : v) {
    sum += x;
    sq += double(x) * x;
    beyond2 += std::fabs(x) > 2;
    lo = std::min(lo, double(x));
    hi = std::max(hi, double(x));
    inexact += double(x) * 131072 != std::round(double(x) * 131072); // an integer over 2^17
  }
  CHECK(inexact == 0);
  const double n = double(v.size());
  CHECK(std::fabs(sum / n) < 0.01);
  CHECK(std::fabs(sq / n - 1) < 0.01);
  CHECK(beyond2 / n == doctest::Approx(0.0455).epsilon(0.05)); // P(|z| > 2) = 4.55%
  CHECK(lo >= -6);
  CHECK(hi <= 6);
  CHECK(lo < -3.5);
  CHECK(hi > 3.5);
  // Element 0 by hand: the twelve 16-bit fields of the stream's first three outputs.
  SplitMix64 ref(4 ^ 0xaf63ea4c86020456ull); // FNV-1a("w")
  int64_t s = 0;
  for (int j = 0; j < 3; ++j) {
    uint64_t z = ref.next();
    for (int f = 0; f < 4; ++f) s += int64_t((z >> (16 * f)) & 0xffff);
  }
  CHECK(v[0] == float(double(2 * s - 12 * 65535) / 131072));
  // Scaled, then rounded to the dtype.
  HostTensor b = random_tensor(TensorDecl{"w", Dtype::bf16, {8}, 0, TensorKind::input}, 4, 3.0, RandomDist::normal);
  HostTensor want(Dtype::bf16, {8});
  for (int i = 0; i < 8; ++i) store_from_f32(Dtype::bf16, want.data.data() + 2 * i, float(double(v[size_t(i)]) * 3.0));
  CHECK(b == want);
}

TEST_CASE("hbm: an fp8 input takes a '|V1' file as its own fp8 type, and says how to save one") {
  Program p = demo_program();
  p.tensors[1] = {"y", Dtype::f8e5m2, {4}, 32, TensorKind::input};
  llvm::SmallString<128> dir;
  REQUIRE(!llvm::sys::fs::createUniqueDirectory("nk-bind-fp8", dir));
  const std::string v1 = (dir + "/v1.npy").str(), u1 = (dir + "/u1.npy").str();
  HostTensor e5 = HostTensor::from_floats(Dtype::f8e5m2, {4}, {1, -2, 0.25f, 57344});
  REQUIRE(error_of(write_npy(v1, e5)) == ""); // written as '|V1'
  REQUIRE(error_of(write_npy(u1, HostTensor(Dtype::u8, {4}))) == "");
  auto loaded = load_input_npy(p, "y", v1);
  REQUIRE(loaded);
  CHECK(loaded->dtype == Dtype::f8e5m2);
  CHECK(loaded->get_f32(3) == 57344.0f);
  CHECK(error_of(load_input_npy(p, "y", u1)) ==
        u1 + ": tensor 'y': expected f8e5m2[4], got u8[4] (dtype differs); save fp8 data as ml_dtypes.float8_e5m2, "
             "or its bit patterns as uint8 viewed as 'V1' (np.save(f, bits.view('V1')))");
  // A '|V1' file bound to a tensor that is not fp8 cannot be read.
  CHECK(error_of(load_input_npy(p, "x", v1)).find("does not say e4m3 or e5m2") != std::string::npos);
  // Read straight into the image: the fp8 bytes, and the same errors.
  HbmImage hbm = *allocate_hbm(p);
  CHECK(error_of(bind_input_npy(p, hbm, "y", v1)) == "");
  CHECK(std::memcmp(hbm.data() + 32, e5.data.data(), 4) == 0);
  CHECK(error_of(bind_input_npy(p, hbm, "y", u1)) == error_of(load_input_npy(p, "y", u1)));
  CHECK(error_of(bind_input_npy(p, hbm, "x", v1)) == error_of(load_input_npy(p, "x", v1)));
  // A tf32 input takes an f32 file, rounded on the way in.
  p.tensors[0] = {"x", Dtype::tf32, {2, 4}, 0, TensorKind::input};
  const std::string f32_path = (dir + "/f32.npy").str();
  HostTensor fine = HostTensor::from_floats(Dtype::f32, {2, 4}, {1.0f + 0x1p-20f, 2, 3, 4, 5, 6, 7, 8});
  REQUIRE(error_of(write_npy(f32_path, fine)) == "");
  CHECK(error_of(bind_input_npy(p, hbm, "x", f32_path)) == "");
  CHECK(load_as_f32(Dtype::tf32, hbm.data()) == 1.0f); // 2^-20 is below tf32's 10-bit mantissa
  llvm::sys::fs::remove_directories(dir);
}

TEST_CASE("hbm: --input FILE.npy and --output FILE.npy") {
  Program p = demo_program();
  llvm::SmallString<128> dir;
  REQUIRE(!llvm::sys::fs::createUniqueDirectory("nk-bind-test", dir));
  std::string x_path = (dir + "/x.npy").str(), wrong = (dir + "/wrong.npy").str(),
              f32_for_bf16 = (dir + "/y.npy").str(), out_path = (dir + "/out.npy").str();
  HostTensor x = HostTensor::from_floats(Dtype::f32, {2, 4}, {1, 2, 3, 4, 5, 6, 7, 8});
  REQUIRE(error_of(write_npy(x_path, x)) == "");
  REQUIRE(error_of(write_npy(wrong, HostTensor(Dtype::f32, {4, 2}))) == "");
  REQUIRE(error_of(write_npy(f32_for_bf16, HostTensor(Dtype::f32, {4}))) == "");

  auto loaded = load_input_npy(p, "x", x_path);
  REQUIRE(loaded);
  CHECK(*loaded == x);
  CHECK(error_of(load_input_npy(p, "x", wrong)) ==
        wrong + ": tensor 'x': expected f32[2,4], got f32[4,2] (shape differs)");
  CHECK(error_of(load_input_npy(p, "y", f32_for_bf16)) ==
        f32_for_bf16 + ": tensor 'y': expected bf16[4], got f32[4] (dtype differs); save bf16 data as "
                       "ml_dtypes.bfloat16 ('<V2'), or raw bits as uint16 with --npy-u2-as-bf16");
  CHECK(error_of(load_input_npy(p, "out", x_path)) ==
        x_path + ": tensor 'out' of kernel 'demo' is an output, not an input (inputs: x, y)");
  CHECK(error_of(load_input_npy(p, "nope", x_path)) ==
        x_path + ": kernel 'demo' has no tensor 'nope' (inputs: x, y; outputs: out)");
  CHECK(
      error_of(load_input_npy(p, "x", (dir + "/missing.npy").str())).find((dir + "/missing.npy: cannot read").str()) ==
      0);

  // Read straight into the image: the same bytes, the same errors.
  HbmImage direct = *allocate_hbm(p), via_tensor = *allocate_hbm(p);
  CHECK(error_of(bind_input_npy(p, direct, "x", x_path)) == "");
  REQUIRE(error_of(bind_input(p, via_tensor, "x", *loaded)) == "");
  CHECK(std::memcmp(direct.data(), via_tensor.data(), direct.size()) == 0);
  for (const auto &[name, path] : std::vector<std::pair<std::string, std::string>>{
           {"x", wrong}, {"y", f32_for_bf16}, {"out", x_path}, {"nope", x_path}, {"x", (dir + "/missing.npy").str()}})
    CHECK(error_of(bind_input_npy(p, direct, name, path)) == error_of(load_input_npy(p, name, path)));

  HbmImage hbm = *allocate_hbm(p);
  REQUIRE(error_of(bind_input(p, hbm, "x", x)) == "");
  REQUIRE(error_of(save_tensor_npy(p, hbm, "x", out_path)) == "");
  CHECK(*read_npy(out_path) == x);
  CHECK(error_of(save_tensor_npy(p, hbm, "nope", out_path)).find("no tensor 'nope'") != std::string::npos);
  llvm::sys::fs::remove_directories(dir);
}
