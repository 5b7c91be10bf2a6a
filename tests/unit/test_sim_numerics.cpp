// Simulator numerics: each instruction on small hand-made programs, checked
// against values computed independently here (plain C++ loops in double or
// float, or literal values worked out by hand).
#include "test_sim_util.h"

#include "simulator/alu.h"

#include <doctest/doctest.h>

#include <cmath>

using namespace nk;
using namespace nk::simtest;

namespace {

// out = f(x) for one [rows|cols] f32 tile: load x from HBM 0, run `body`
// (which reads sbuf byte 0 and writes sbuf byte 4096), store to HBM 8192.
std::vector<float> run_unary(Program &p, std::vector<uint8_t> &hbm, StreamId engine,
                             const std::vector<Instruction> &body, unsigned rows, unsigned cols) {
  Chain c(p);
  c.then(kDma0, dma(sb(Dtype::f32, 0, rows, 0, cols), hbm2(Dtype::f32, 0, rows, cols)));
  for (const Instruction &i : body) c.then(engine, i);
  c.then(kDma0, dma(hbm2(Dtype::f32, 8192, rows, cols), sb(Dtype::f32, 0, rows, 4096, cols)));
  auto stats = run(p, hbm);
  REQUIRE_MESSAGE(bool(stats), (stats ? "" : error_text(stats.takeError())));
  return get_f32(hbm, 8192, size_t(rows) * cols);
}

} // namespace

TEST_CASE("dma_copy moves f32 exactly and rounds f32->bf16 to nearest even") {
  Program p = new_program(4096);
  std::vector<uint8_t> hbm(4096);
  // 1 + 2^-8 is a tie between bf16 1.0 and 1 + 2^-7: even mantissa is 1.0.
  // 1 + 3*2^-8 is a tie between 1 + 2^-7 and 1 + 2^-6: even is 1 + 2^-6.
  std::vector<float> x = {1.0f + 1.0f / 256, 1.0f + 3.0f / 256, -2.5f, 3.0e38f};
  put_f32(hbm, 0, x);
  Chain c(p);
  c.then(kDma0, dma(sb(Dtype::bf16, 0, 1, 0, 4), hbm2(Dtype::f32, 0, 1, 4)));
  c.then(kDma0, dma(hbm2(Dtype::bf16, 1024, 1, 4), sb(Dtype::bf16, 0, 1, 0, 4)));
  c.then(kDma0, dma(hbm2(Dtype::f32, 2048, 1, 4), hbm2(Dtype::f32, 0, 1, 4)));
  REQUIRE(bool(run(p, hbm)));
  uint16_t b[4];
  std::memcpy(b, hbm.data() + 1024, 8);
  CHECK(b[0] == 0x3f80); // 1.0
  CHECK(b[1] == 0x3f82); // 1 + 2^-6
  CHECK(b[2] == 0xc020); // -2.5
  CHECK(b[3] == 0x7f62); // 3e38 rounds to 0x7f62 (3.0e38 = 0x7f61b1e6)
  CHECK(get_f32(hbm, 2048, 4) == x);
}

TEST_CASE("dma_copy of i32 keeps values above 2^24 exactly") {
  Program p = new_program(4096);
  std::vector<uint8_t> hbm(4096);
  int32_t v[2] = {16777217, -2147483647};
  std::memcpy(hbm.data(), v, 8);
  Chain c(p);
  c.then(kDma0, dma(sb(Dtype::i32, 0, 2, 0, 1), hbm_ap(Dtype::i32, 0, {{1, 2}, {1, 1}})));
  c.then(kDma0, dma(hbm_ap(Dtype::i32, 64, {{1, 2}}), sb(Dtype::i32, 0, 2, 0, 1)));
  REQUIRE(bool(run(p, hbm)));
  int32_t out[2];
  std::memcpy(out, hbm.data() + 64, 8);
  CHECK(out[0] == 16777217);
  CHECK(out[1] == -2147483647);
}

TEST_CASE("dma_copy follows strided HBM patterns (a transposing load)") {
  // x is [2,3] in HBM; load x^T as [3|2] in SBUF via strides, store back flat.
  Program p = new_program(4096);
  std::vector<uint8_t> hbm(4096);
  put_f32(hbm, 0, {1, 2, 3, 4, 5, 6});
  Chain c(p);
  c.then(kDma0, dma(sb(Dtype::f32, 0, 3, 0, 2), hbm_ap(Dtype::f32, 0, {{1, 3}, {3, 2}})));
  c.then(kDma0, dma(hbm2(Dtype::f32, 1024, 3, 2), sb(Dtype::f32, 0, 3, 0, 2)));
  REQUIRE(bool(run(p, hbm)));
  CHECK(get_f32(hbm, 1024, 6) == std::vector<float>{1, 4, 2, 5, 3, 6});
}

TEST_CASE("tensor_tensor arithmetic, NaN-propagating max, comparisons") {
  const std::vector<float> a = {1.5f, -2.0f, 7.0f, NAN}, b = {0.25f, 3.0f, -1.0f, 1.0f};
  struct Case {
    AluOp op;
    std::vector<float> want;
  };
  std::vector<Case> cases = {
      {AluOp::add, {1.75f, 1.0f, 6.0f, NAN}},         {AluOp::subtract, {1.25f, -5.0f, 8.0f, NAN}},
      {AluOp::multiply, {0.375f, -6.0f, -7.0f, NAN}}, {AluOp::max, {1.5f, 3.0f, 7.0f, NAN}},
      {AluOp::min, {0.25f, -2.0f, -1.0f, NAN}},       {AluOp::is_gt, {1, 0, 1, 0}},
  };
  for (const Case &cs : cases) {
    CAPTURE(alu_name(cs.op));
    Program p = new_program(16384);
    std::vector<uint8_t> hbm(16384);
    put_f32(hbm, 0, a);
    put_f32(hbm, 64, b);
    Instruction tt = Instruction::make(Opcode::tensor_tensor);
    tt.ap[ap::tensor_tensor::dst] = sb(Dtype::f32, 0, 1, 4096, 4);
    tt.ap[ap::tensor_tensor::src0] = sb(Dtype::f32, 0, 1, 0, 4);
    tt.ap[ap::tensor_tensor::src1] = sb(Dtype::f32, 0, 1, 64, 4);
    tt.set_int(attr::tensor_tensor::op, int64_t(cs.op));
    Chain c(p);
    c.then(kDma0, dma(sb(Dtype::f32, 0, 1, 64, 4), hbm2(Dtype::f32, 64, 1, 4)));
    c.then(kDma0, dma(sb(Dtype::f32, 0, 1, 0, 4), hbm2(Dtype::f32, 0, 1, 4)))
        .then(kVector, tt)
        .then(kDma0, dma(hbm2(Dtype::f32, 8192, 1, 4), sb(Dtype::f32, 0, 1, 4096, 4)));
    REQUIRE(bool(run(p, hbm)));
    std::vector<float> got = get_f32(hbm, 8192, 4);
    for (size_t i = 0; i < 4; ++i) {
      if (std::isnan(cs.want[i]))
        CHECK(std::isnan(got[i]));
      else
        CHECK(got[i] == cs.want[i]);
    }
  }
}

TEST_CASE("divide and abs_max, not in NKI 2.26's ALU-op table, are refused") {
  for (AluOp op : {AluOp::divide, AluOp::abs_max}) {
    CAPTURE(alu_name(op));
    Program p = new_program(16384);
    std::vector<uint8_t> hbm(16384);
    Instruction tt = Instruction::make(Opcode::tensor_tensor);
    tt.ap[ap::tensor_tensor::dst] = sb(Dtype::f32, 0, 1, 4096, 4);
    tt.ap[ap::tensor_tensor::src0] = sb(Dtype::f32, 0, 1, 0, 4);
    tt.ap[ap::tensor_tensor::src1] = sb(Dtype::f32, 0, 1, 64, 4);
    tt.set_int(attr::tensor_tensor::op, int64_t(op));
    Chain c(p);
    c.then(kDma0, dma(sb(Dtype::f32, 0, 1, 0, 8), hbm2(Dtype::f32, 0, 1, 8))).then(kVector, tt);
    auto r = run(p, hbm);
    REQUIRE_FALSE(bool(r));
    CHECK(llvm::toString(r.takeError()).find("is not in NKI 2.26's ALU-op table") != std::string::npos);
  }
}

TEST_CASE("bitwise ops act on raw integer bits") {
  Program p = new_program(4096);
  std::vector<uint8_t> hbm(4096);
  int32_t a[2] = {0x7fff00ff, -1}, b[2] = {0x0f0f0f0f, 0x12345678};
  std::memcpy(hbm.data(), a, 8);
  std::memcpy(hbm.data() + 64, b, 8);
  Instruction tt = Instruction::make(Opcode::tensor_tensor);
  tt.ap[ap::tensor_tensor::dst] = sb(Dtype::i32, 0, 1, 256, 2);
  tt.ap[ap::tensor_tensor::src0] = sb(Dtype::i32, 0, 1, 0, 2);
  tt.ap[ap::tensor_tensor::src1] = sb(Dtype::i32, 0, 1, 64, 2);
  tt.set_int(attr::tensor_tensor::op, int64_t(AluOp::bitwise_xor));
  Chain c(p);
  c.then(kDma0, dma(sb(Dtype::i32, 0, 1, 0, 2), hbm_ap(Dtype::i32, 0, {{1, 2}})))
      .then(kDma0, dma(sb(Dtype::i32, 0, 1, 64, 2), hbm_ap(Dtype::i32, 64, {{1, 2}})))
      .then(kVector, tt) // bitvec ops run on the Vector engine only (NKI 2.26 ALU-op table)
      .then(kDma0, dma(hbm_ap(Dtype::i32, 128, {{1, 2}}), sb(Dtype::i32, 0, 1, 256, 2)));
  REQUIRE(bool(run(p, hbm)));
  int32_t out[2];
  std::memcpy(out, hbm.data() + 128, 8);
  CHECK(out[0] == (0x7fff00ff ^ 0x0f0f0f0f));
  CHECK(out[1] == (-1 ^ 0x12345678));

  // Bitwise on floats is refused before anything runs.
  Program bad = new_program(64);
  tt.ap[ap::tensor_tensor::src0].dtype = Dtype::f32;
  bad.stream(kVector).insts.push_back(tt);
  std::vector<uint8_t> h2(64);
  auto r = run(bad, h2);
  REQUIRE(!r);
  CHECK(error_text(r.takeError()).find("integer dtypes") != std::string::npos);
}

TEST_CASE("tensor_scalar: per-partition scalar, immediate, reverse, bypass") {
  // rows r = 0,1 : x = {1, 2, 3}; scalar0 = {10, 20} per partition.
  Program p = new_program(16384);
  std::vector<uint8_t> hbm(16384);
  put_f32(hbm, 0, {1, 2, 3, 4, 5, 6});
  put_f32(hbm, 64, {10, 20});
  Instruction ts = Instruction::make(Opcode::tensor_scalar);
  ts.ap[ap::tensor_scalar::dst] = sb(Dtype::f32, 0, 2, 4096, 3);
  ts.ap[ap::tensor_scalar::src] = sb(Dtype::f32, 0, 2, 0, 3);
  ts.ap[ap::tensor_scalar::scalar0] = sb(Dtype::f32, 0, 2, 64, 1);
  ts.set_int(attr::tensor_scalar::op0, int64_t(AluOp::subtract));
  ts.set_int(attr::tensor_scalar::reverse0, 1); // s0 - x
  ts.set_int(attr::tensor_scalar::op1, int64_t(AluOp::multiply));
  ts.set_float(attr::tensor_scalar::imm1, 0.5f);
  Chain c(p);
  c.then(kDma0, dma(sb(Dtype::f32, 0, 2, 64, 1), hbm_ap(Dtype::f32, 64, {{1, 2}, {1, 1}})));
  std::vector<Instruction> body = {ts};
  // (subtract, multiply) runs on the Vector engine: the Scalar engine's
  // tensor_scalar is (multiply, add), (multiply) or (add) (NKI 2.26).
  auto got = run_unary(p, hbm, kVector, body, 2, 3);
  // Expected: (s0 - x) * 0.5
  CHECK(got == std::vector<float>{4.5f, 4.0f, 3.5f, 8.0f, 7.5f, 7.0f});

  // op1 = bypass: only op0 applies; immediates when scalars are absent.
  Program p2 = new_program(16384);
  std::vector<uint8_t> h2(16384);
  put_f32(h2, 0, {1, 2, 3, 4, 5, 6});
  Instruction t2 = Instruction::make(Opcode::tensor_scalar);
  t2.ap[ap::tensor_scalar::dst] = sb(Dtype::f32, 0, 2, 4096, 3);
  t2.ap[ap::tensor_scalar::src] = sb(Dtype::f32, 0, 2, 0, 3);
  t2.set_int(attr::tensor_scalar::op0, int64_t(AluOp::multiply));
  t2.set_float(attr::tensor_scalar::imm0, 0.25f);
  t2.set_int(attr::tensor_scalar::op1, int64_t(AluOp::bypass));
  t2.set_float(attr::tensor_scalar::imm1, 100.0f);
  CHECK(run_unary(p2, h2, kVector, {t2}, 2, 3) == std::vector<float>{0.25f, 0.5f, 0.75f, 1.0f, 1.25f, 1.5f});
}

TEST_CASE("tensor_reduce over the innermost dim, a middle dim, and all dims") {
  // src row = [2][3] per partition: {1,2,3, 4,5,6} and {-1,8,0, 2,2,9}.
  // NKI 2.26 reduces only the innermost dims (axes 1, 3, 7, 15): a middle
  // dim is reduced by walking it last (what the compiler emits).
  const bool rows_then_cols = false, cols_then_rows = true;
  auto reduce = [](AluOp op, int64_t axes, uint32_t out_n, bool cols_first = false, bool expect_ok = true) {
    Program p = new_program(16384);
    std::vector<uint8_t> hbm(16384);
    put_f32(hbm, 0, {1, 2, 3, 4, 5, 6, -1, 8, 0, 2, 2, 9});
    Instruction r = Instruction::make(Opcode::tensor_reduce);
    r.ap[ap::tensor_reduce::dst] = sb(Dtype::f32, 0, 2, 4096, out_n);
    r.ap[ap::tensor_reduce::src] = cols_first ? onchip(Memory::sbuf, Dtype::f32, 0, 2, 0, {{1, 3}, {3, 2}})
                                              : onchip(Memory::sbuf, Dtype::f32, 0, 2, 0, {{3, 2}, {1, 3}});
    r.set_int(attr::tensor_reduce::op, int64_t(op));
    r.set_int(attr::tensor_reduce::axes, axes);
    Chain c(p);
    c.then(kDma0, dma(sb(Dtype::f32, 0, 2, 0, 6), hbm2(Dtype::f32, 0, 2, 6)))
        .then(kVector, r)
        .then(kDma0, dma(hbm2(Dtype::f32, 8192, 2, out_n), sb(Dtype::f32, 0, 2, 4096, out_n)));
    auto s = run(p, hbm);
    if (!expect_ok) {
      REQUIRE(!s);
      CHECK(error_text(s.takeError()).find("must select the innermost 1 to 4 free dims") != std::string::npos);
      return std::vector<float>{};
    }
    REQUIRE_MESSAGE(bool(s), (s ? "" : error_text(s.takeError())));
    return get_f32(hbm, 8192, 2 * out_n);
  };
  CHECK(reduce(AluOp::add, 1, 2) == std::vector<float>{6, 15, 7, 13});
  CHECK(reduce(AluOp::max, 1, 3, cols_then_rows) == std::vector<float>{4, 5, 6, 2, 8, 9});
  CHECK(reduce(AluOp::max, 2, 3, rows_then_cols, false).empty()); // the middle dim by mask: refused
  CHECK(reduce(AluOp::add, 3, 1) == std::vector<float>{21, 20});
  CHECK(reduce(AluOp::min, 3, 1) == std::vector<float>{1, -1});
}

TEST_CASE("pairwise_sum is NumPy's float32 algorithm, not a running sum") {
  // x = [1e8, 3 x 8] (n = 9; the fp32 ulp at 1e8 is 8, so a running sum
  // loses every 3). NumPy: r[0..7] = x[0..7];
  // res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)), then + x[8].
  std::vector<float> x = {1e8f, 3, 3, 3, 3, 3, 3, 3, 3};
  float r01 = 1e8f + 3.0f, r23 = 6.0f, r45 = 6.0f, r67 = 6.0f;
  float want = ((r01 + r23) + (r45 + r67)) + 3.0f;
  float running = 0;
  for (float v : x) running += v;
  CHECK(pairwise_sum(x.data(), x.size()) == want);
  CHECK(want != running); // the test discriminates between the two orders
  // Above 128 elements the array is split at n/2 rounded down to a multiple of 8.
  std::vector<float> y(300);
  for (size_t i = 0; i < y.size(); ++i) y[i] = float(i % 7) * 0.1f + (i == 0 ? 1e7f : 0.0f);
  auto block = [](const float *v, size_t n) { // the <=128 kernel, by hand
    float r[8];
    for (int j = 0; j < 8; ++j) r[j] = v[j];
    size_t i = 8;
    for (; i < n - n % 8; i += 8)
      for (int j = 0; j < 8; ++j) r[j] += v[i + j];
    float s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) s += v[i];
    return s;
  };
  // 300 -> 144 + 156; 144 -> 72 + 72; 156 -> 72 + 84.
  float want300 =
      (block(y.data(), 72) + block(y.data() + 72, 72)) + (block(y.data() + 144, 72) + block(y.data() + 216, 84));
  CHECK(pairwise_sum(y.data(), y.size()) == want300);
}

TEST_CASE("activation: func(x*scale + bias[p]) with the fused row sum") {
  Program p = new_program(16384);
  std::vector<uint8_t> hbm(16384);
  const std::vector<float> x = {0.5f, -1.0f, 2.0f, 0.0f, 1.0f, -3.0f};
  const std::vector<float> bias = {0.25f, -0.5f};
  put_f32(hbm, 0, x);
  put_f32(hbm, 64, bias);
  Instruction a = Instruction::make(Opcode::activation);
  a.ap[ap::activation::dst] = sb(Dtype::f32, 0, 2, 4096, 3);
  a.ap[ap::activation::src] = sb(Dtype::f32, 0, 2, 0, 3);
  a.ap[ap::activation::bias] = sb(Dtype::f32, 0, 2, 64, 1);
  a.ap[ap::activation::reduce_dst] = sb(Dtype::f32, 0, 2, 128, 1);
  a.set_int(attr::activation::reduce_cmd, kReduceResetReduce);
  a.set_int(attr::activation::func, int64_t(ActFunc::exp));
  a.set_float(attr::activation::scale, 0.5f);
  Chain c(p);
  c.then(kDma0, dma(sb(Dtype::f32, 0, 2, 64, 1), hbm_ap(Dtype::f32, 64, {{1, 2}, {1, 1}})));
  c.then(kDma0, dma(sb(Dtype::f32, 0, 2, 0, 3), hbm2(Dtype::f32, 0, 2, 3)))
      .then(kScalar, a)
      .then(kDma0, dma(hbm2(Dtype::f32, 8192, 2, 3), sb(Dtype::f32, 0, 2, 4096, 3)))
      .then(kDma0, dma(hbm_ap(Dtype::f32, 9000, {{1, 2}, {1, 1}}), sb(Dtype::f32, 0, 2, 128, 1)));
  REQUIRE(bool(run(p, hbm)));
  std::vector<float> got = get_f32(hbm, 8192, 6), sums = get_f32(hbm, 9000, 2);
  for (int r = 0; r < 2; ++r) {
    float sum = 0;
    for (int j = 0; j < 3; ++j) {
      float want = std::exp(x[r * 3 + j] * 0.5f + bias[r]);
      CHECK(got[r * 3 + j] == want);
      sum += want; // n < 8: NumPy's pairwise sum is a running sum from 0
    }
    CHECK(sums[r] == sum);
  }
}

TEST_CASE("activation functions against the C library in fp32") {
  const std::vector<float> x = {-2.0f, -0.5f, 0.25f, 3.0f};
  struct Case {
    ActFunc f;
    float (*ref)(float);
  };
  std::vector<Case> cases = {
      {ActFunc::tanh, [](float v) { return std::tanh(v); }},
      {ActFunc::sigmoid, [](float v) { return 1.0f / (1.0f + std::exp(-v)); }},
      {ActFunc::relu, [](float v) { return v > 0 ? v : 0.0f; }},
      {ActFunc::square, [](float v) { return v * v; }},
      {ActFunc::reciprocal, [](float v) { return 1.0f / v; }},
      {ActFunc::abs, [](float v) { return std::fabs(v); }},
      {ActFunc::silu, [](float v) { return v / (1.0f + std::exp(-v)); }},
  };
  for (const Case &cs : cases) {
    CAPTURE(act_name(cs.f));
    Program p = new_program(16384);
    std::vector<uint8_t> hbm(16384);
    put_f32(hbm, 0, x);
    Instruction a = Instruction::make(Opcode::activation);
    a.ap[ap::activation::dst] = sb(Dtype::f32, 0, 1, 4096, 4);
    a.ap[ap::activation::src] = sb(Dtype::f32, 0, 1, 0, 4);
    a.set_int(attr::activation::func, int64_t(cs.f));
    auto got = run_unary(p, hbm, kScalar, {a}, 1, 4);
    for (size_t i = 0; i < 4; ++i) CHECK(got[i] == cs.ref(x[i] * 1.0f + 0.0f));
  }
}

TEST_CASE("nc_matmul contracts over partitions; PSUM accumulate and overwrite") {
  // stationary S [K=3 | M=2], moving V [K=3 | N=4]; dst[m, n] = sum_k S[k,m] V[k,n].
  const std::vector<float> S = {1, 2, 3, 4, 5, 6};                   // [3,2]
  const std::vector<float> V = {1, 0, 2, 1, 0, 1, 1, 3, 2, 2, 0, 1}; // [3,4]
  auto ref = [&](int m, int n) {
    double s = 0;
    for (int k = 0; k < 3; ++k) s += double(S[k * 2 + m]) * V[k * 4 + n];
    return float(s);
  };
  auto build = [&](std::vector<bool> accumulate_flags) {
    Program p = new_program(16384);
    std::vector<uint8_t> hbm(16384);
    put_f32(hbm, 0, S);
    put_f32(hbm, 256, V);
    Chain c(p);
    c.then(kDma0, dma(sb(Dtype::f32, 0, 3, 0, 2), hbm2(Dtype::f32, 0, 3, 2)));
    c.then(kDma0, dma(sb(Dtype::f32, 0, 3, 64, 4), hbm2(Dtype::f32, 256, 3, 4)));
    for (bool acc : accumulate_flags) {
      Instruction mm = Instruction::make(Opcode::nc_matmul);
      mm.ap[ap::nc_matmul::dst] = ps(Dtype::f32, 0, 2, 0, 4);
      mm.ap[ap::nc_matmul::stationary] = sb(Dtype::f32, 0, 3, 0, 2);
      mm.ap[ap::nc_matmul::moving] = sb(Dtype::f32, 0, 3, 64, 4);
      mm.set_int(attr::nc_matmul::accumulate, acc);
      c.then(kTensor, mm);
    }
    Instruction cp = Instruction::make(Opcode::tensor_copy);
    cp.ap[ap::tensor_copy::dst] = sb(Dtype::f32, 0, 2, 4096, 4);
    cp.ap[ap::tensor_copy::src] = ps(Dtype::f32, 0, 2, 0, 4);
    c.then(kVector, cp);
    c.then(kDma0, dma(hbm2(Dtype::f32, 8192, 2, 4), sb(Dtype::f32, 0, 2, 4096, 4)));
    auto s = run(p, hbm);
    REQUIRE_MESSAGE(bool(s), (s ? "" : error_text(s.takeError())));
    return get_f32(hbm, 8192, 8);
  };
  auto once = build({false});
  auto twice = build({false, true});
  auto three = build({false, true, true});
  auto reset = build({false, true, false});
  for (int m = 0; m < 2; ++m)
    for (int n = 0; n < 4; ++n) {
      CHECK(once[m * 4 + n] == ref(m, n));
      CHECK(twice[m * 4 + n] == 2 * ref(m, n));
      CHECK(three[m * 4 + n] == 3 * ref(m, n));
      CHECK(reset[m * 4 + n] == ref(m, n));
    }
}

TEST_CASE("nc_matmul with bf16 operands accumulates in fp32") {
  // Products 1 * (1 + 2^-7) summed 128 times: exact in fp32 (129), while a
  // bf16 accumulator would already round the partial sum 3 + 3/128.
  Program p = new_program(65536);
  std::vector<uint8_t> hbm(65536);
  std::vector<uint16_t> ones(128, 0x3f80), val(128, f32_to_bf16(1.0f + 1.0f / 128));
  std::memcpy(hbm.data(), ones.data(), 256);
  std::memcpy(hbm.data() + 1024, val.data(), 256);
  Instruction mm = Instruction::make(Opcode::nc_matmul);
  mm.ap[ap::nc_matmul::dst] = ps(Dtype::f32, 0, 1, 0, 1);
  mm.ap[ap::nc_matmul::stationary] = sb(Dtype::bf16, 0, 128, 0, 1);
  mm.ap[ap::nc_matmul::moving] = sb(Dtype::bf16, 0, 128, 64, 1);
  // The result leaves PSUM through SBUF (DMA reads HBM or SBUF).
  Instruction ev = Instruction::make(Opcode::tensor_copy);
  ev.ap[ap::tensor_copy::dst] = sb(Dtype::f32, 0, 1, 512, 1);
  ev.ap[ap::tensor_copy::src] = ps(Dtype::f32, 0, 1, 0, 1);
  Chain c(p);
  c.then(kDma0, dma(sb(Dtype::bf16, 0, 128, 0, 1), hbm_ap(Dtype::bf16, 0, {{1, 128}, {1, 1}})));
  c.then(kDma0, dma(sb(Dtype::bf16, 0, 128, 64, 1), hbm_ap(Dtype::bf16, 1024, {{1, 128}, {1, 1}})))
      .then(kTensor, mm)
      .then(kVector, ev)
      .then(kDma0, dma(hbm_ap(Dtype::f32, 4096, {{1, 1}}), sb(Dtype::f32, 0, 1, 512, 1)));
  REQUIRE(bool(run(p, hbm)));
  CHECK(get_f32(hbm, 4096, 1)[0] == 129.0f); // 128 * (1 + 1/128)
}

TEST_CASE("nc_transpose, tensor_copy with conversion, memset, iota, affine_select") {
  Program p = new_program(16384);
  std::vector<uint8_t> hbm(16384);
  put_f32(hbm, 0, {1, 2, 3, 4, 5, 6}); // [2|3]
  Instruction tr = Instruction::make(Opcode::nc_transpose);
  tr.ap[ap::nc_transpose::dst] = ps(Dtype::f32, 0, 3, 0, 2);
  tr.ap[ap::nc_transpose::src] = sb(Dtype::f32, 0, 2, 0, 3);
  Instruction cp = Instruction::make(Opcode::tensor_copy);
  cp.ap[ap::tensor_copy::dst] = sb(Dtype::bf16, 0, 3, 256, 2);
  cp.ap[ap::tensor_copy::src] = ps(Dtype::f32, 0, 3, 0, 2);
  Instruction ms = Instruction::make(Opcode::memset);
  ms.ap[ap::memset::dst] = sb(Dtype::f32, 0, 4, 512, 4);
  ms.set_float(attr::memset::value, -1.5f);
  Instruction io = Instruction::make(Opcode::iota);
  io.ap[ap::iota::dst] = sb(Dtype::i32, 0, 4, 1024, 4);
  io.set_int(attr::iota::base, 5);
  io.set_int(attr::iota::partition_step, 10);
  io.set_int(attr::iota::free_step1, -1);
  // Keep the lower triangle (p - j >= 0), fill the rest with -inf.
  Instruction sel = Instruction::make(Opcode::affine_select);
  sel.ap[ap::affine_select::dst] = sb(Dtype::f32, 0, 4, 2048, 4);
  sel.ap[ap::affine_select::src] = sb(Dtype::f32, 0, 4, 512, 4);
  sel.set_int(attr::affine_select::cmp, int64_t(AluOp::is_ge));
  sel.set_int(attr::affine_select::partition_step, 1);
  sel.set_int(attr::affine_select::free_step1, -1);
  sel.set_float(attr::affine_select::fill, -INFINITY);
  Chain c(p);
  c.then(kDma0, dma(sb(Dtype::f32, 0, 2, 0, 3), hbm2(Dtype::f32, 0, 2, 3)))
      .then(kTensor, tr)
      .then(kScalar, cp)
      .then(kDma0, dma(hbm2(Dtype::bf16, 4096, 3, 2), sb(Dtype::bf16, 0, 3, 256, 2)))
      .then(kGpsimd, ms)
      .then(kGpsimd, io)
      .then(kGpsimd, sel)
      .then(kDma0, dma(hbm_ap(Dtype::i32, 5000, {{4, 4}, {1, 4}}), sb(Dtype::i32, 0, 4, 1024, 4)))
      .then(kDma0, dma(hbm2(Dtype::f32, 6000, 4, 4), sb(Dtype::f32, 0, 4, 2048, 4)));
  auto s = run(p, hbm);
  REQUIRE_MESSAGE(bool(s), (s ? "" : error_text(s.takeError())));
  uint16_t t[6];
  std::memcpy(t, hbm.data() + 4096, 12);
  const float want_t[6] = {1, 4, 2, 5, 3, 6};
  for (int i = 0; i < 6; ++i) CHECK(bf16_to_f32(t[i]) == want_t[i]);
  int32_t iota_out[16];
  std::memcpy(iota_out, hbm.data() + 5000, 64);
  for (int pp = 0; pp < 4; ++pp)
    for (int j = 0; j < 4; ++j) CHECK(iota_out[pp * 4 + j] == 5 + 10 * pp - j);
  auto sel_out = get_f32(hbm, 6000, 16);
  for (int pp = 0; pp < 4; ++pp)
    for (int j = 0; j < 4; ++j) CHECK(sel_out[pp * 4 + j] == (pp - j >= 0 ? -1.5f : -INFINITY));
}

TEST_CASE("select: tile, per-partition and immediate on_false") {
  // predicate = {1, 0, 2, 0} per row, on_true = x, on_false varies.
  const std::vector<float> pred = {1, 0, 2, 0, 0, 0, 1, 1}, x = {1, 2, 3, 4, 5, 6, 7, 8},
                           y = {-1, -2, -3, -4, -5, -6, -7, -8}, col = {100, 200};
  auto run_select = [&](int mode) { // 0: tile, 1: [P|1], 2: immediate fill
    Program p = new_program(16384);
    std::vector<uint8_t> hbm(16384);
    put_f32(hbm, 0, pred);
    put_f32(hbm, 64, x);
    put_f32(hbm, 128, y);
    put_f32(hbm, 192, col);
    Instruction s = Instruction::make(Opcode::select);
    s.ap[ap::select::dst] = sb(Dtype::f32, 0, 2, 4096, 4);
    s.ap[ap::select::predicate] = sb(Dtype::f32, 0, 2, 0, 4);
    s.ap[ap::select::on_true] = sb(Dtype::f32, 0, 2, 64, 4);
    if (mode == 0) s.ap[ap::select::on_false] = sb(Dtype::f32, 0, 2, 128, 4);
    if (mode == 1) s.ap[ap::select::on_false] = sb(Dtype::f32, 0, 2, 192, 1);
    s.set_float(attr::select::fill, -0.5f);
    Chain c(p);
    c.then(kDma0, dma(sb(Dtype::f32, 0, 2, 0, 4), hbm2(Dtype::f32, 0, 2, 4)))
        .then(kDma0, dma(sb(Dtype::f32, 0, 2, 64, 4), hbm2(Dtype::f32, 64, 2, 4)))
        .then(kDma0, dma(sb(Dtype::f32, 0, 2, 128, 4), hbm2(Dtype::f32, 128, 2, 4)))
        .then(kDma0, dma(sb(Dtype::f32, 0, 2, 192, 1), hbm_ap(Dtype::f32, 192, {{1, 2}, {1, 1}})))
        .then(kVector, s)
        .then(kDma0, dma(hbm2(Dtype::f32, 8192, 2, 4), sb(Dtype::f32, 0, 2, 4096, 4)));
    auto r = run(p, hbm);
    REQUIRE_MESSAGE(bool(r), (r ? "" : error_text(r.takeError())));
    return get_f32(hbm, 8192, 8);
  };
  CHECK(run_select(0) == std::vector<float>{1, -2, 3, -4, -5, -6, 7, 8});
  CHECK(run_select(1) == std::vector<float>{1, 100, 3, 100, 200, 200, 7, 8});
  CHECK(run_select(2) == std::vector<float>{1, -0.5f, 3, -0.5f, -0.5f, -0.5f, 7, 8});
}

TEST_CASE("raw copies walk both patterns in step; overlapping ones read all first") {
  // HBM [6, 4] i32 -> SBUF [3 | 8] -> HBM with a reversed, strided pattern:
  // element n goes to element n whatever the runs on each side.
  Program p = new_program(4096);
  std::vector<uint8_t> hbm(4096);
  std::vector<int32_t> x(24);
  for (int i = 0; i < 24; ++i) x[size_t(i)] = 1000 + i;
  std::memcpy(hbm.data(), x.data(), 96);
  Chain c(p);
  c.then(kDma0, dma(onchip(Memory::sbuf, Dtype::i32, 0, 3, 0, {{1, 8}}), hbm_ap(Dtype::i32, 0, {{4, 6}, {1, 4}})));
  // dst: 8 elements per row written as [[-1, 2], [2, 4]] from byte 4:
  // elements 1, 3, 5, 7, 0, 2, 4, 6 of each row of 8 in HBM at 512.
  c.then(kDma0, dma(hbm_ap(Dtype::i32, 512 + 4, {{8, 3}, {-1, 2}, {2, 4}}),
                    onchip(Memory::sbuf, Dtype::i32, 0, 3, 0, {{1, 8}})));
  // In-place shift right by one element within each row (overlapping).
  c.then(kVector, Instruction{});
  p.stream(kVector).insts.back() = Instruction::make(Opcode::tensor_copy);
  p.stream(kVector).insts.back().ap[ap::tensor_copy::dst] = sb(Dtype::i32, 0, 3, 4, 7);
  p.stream(kVector).insts.back().ap[ap::tensor_copy::src] = sb(Dtype::i32, 0, 3, 0, 7);
  c.then(kDma0, dma(hbm_ap(Dtype::i32, 1024, {{8, 3}, {1, 8}}), sb(Dtype::i32, 0, 3, 0, 8)));
  // HBM -> HBM, overlapping: shift the first 8 values up by two.
  c.then(kDma0, dma(hbm_ap(Dtype::i32, 8, {{1, 8}}), hbm_ap(Dtype::i32, 0, {{1, 8}})));
  auto r = run(p, hbm);
  REQUIRE_MESSAGE(bool(r), (r ? "" : error_text(r.takeError())));
  auto get = [&](uint64_t off, size_t n) {
    std::vector<int32_t> v(n);
    std::memcpy(v.data(), hbm.data() + off, n * 4);
    return v;
  };
  std::vector<int32_t> want(24);
  for (int row = 0; row < 3; ++row) {
    const int order[8] = {1, 3, 5, 7, 0, 2, 4, 6}; // byte 4 + [[-1, 2], [2, 4]]
    for (int n = 0; n < 8; ++n) want[size_t(row * 8 + order[n])] = x[size_t(row * 8 + n)];
  }
  CHECK(get(512, 24) == want);
  std::vector<int32_t> shifted(24);
  for (int row = 0; row < 3; ++row) {
    shifted[size_t(row * 8)] = x[size_t(row * 8)];
    for (int j = 1; j < 8; ++j) shifted[size_t(row * 8 + j)] = x[size_t(row * 8 + j - 1)];
  }
  CHECK(get(1024, 24) == shifted);
  std::vector<int32_t> moved(x.begin(), x.begin() + 10);
  for (int i = 0; i < 8; ++i) moved[size_t(i + 2)] = x[size_t(i)];
  CHECK(get(0, 10) == moved);
}
