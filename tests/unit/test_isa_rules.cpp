// The ALU-op rules are one definition (runtime/isa.h check_alu_attrs, from
// isa.def's NK_ALU_RULE rows) that the front end, the verifier and the
// simulator all apply. Exhaustively, for every instruction with an ALU-op
// attribute, every ALU op in it and several dtypes: what the front end
// accepts compiles, verifies and simulates; what it refuses gets a source
// diagnostic (FILE:LINE:COL at the attribute), never an internal compiler
// error; and a refused combination is refused by the verifier too.
#include "compiler/frontend/frontend.h"
#include "compiler/pipeline.h"
#include "runtime/verifier.h"
#include "simulator/simulator.h"
#include "simulator/validate.h"

#include "llvm/Support/MemoryBuffer.h"

#include <doctest/doctest.h>

#include <fmt/format.h>

#include <algorithm>
#include <functional>

using namespace nk;

namespace {

struct Outcome {
  bool accepted = false;
  std::string diagnostics;
};

Outcome compile_and_run(const std::string &text) {
  llvm::SourceMgr sm;
  std::string diag_text;
  llvm::raw_string_ostream os(diag_text);
  DiagnosticEngine diags(sm, os);
  unsigned id = sm.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(text, "rules.tile"), llvm::SMLoc());
  const Target &target = *find_target("trn2");
  auto m = build_tile_ir(sm, id, {}, target, diags);
  if (!m) {
    llvm::consumeError(m.takeError());
    return {false, os.str()};
  }
  PipelineOptions opts;
  opts.dump = &llvm::nulls();
  auto p = run_pipeline(std::move(*m), target, opts);
  if (!p) {
    std::string msg = llvm::toString(p.takeError());
    FAIL_CHECK("accepted by the front end, refused later: " << msg << "\n" << text);
    return {true, msg};
  }
  std::vector<uint8_t> hbm(p->hbm_size, 0);
  auto stats = simulate(*p, target, hbm, SimOptions{});
  if (!stats) {
    std::string msg = llvm::toString(stats.takeError());
    FAIL_CHECK("compiled, refused by the simulator: " << msg << "\n" << text);
  }
  return {true, ""};
}

std::vector<std::string> alu_names() {
  std::vector<std::string> v;
#define X(e, s, k) v.push_back(s);
  NK_ALU_OPS(X)
#undef X
  return v;
}

// One instruction under test: a kernel around `call`, with a and b [8|16]
// tiles of the dtype loaded from the inputs, and r an [8|1] var.
std::string kernel(const std::string &dtype, const std::string &call) {
  return fmt::format(R"(kernel rules(x: {0}[8, 16], y: {0}[8, 16]) -> {0}[8, 16]:
    let a = load(x)
    let b = load(y)
    var r = zeros(sbuf {0}[8 | 1])
    let c = {1}
    store(out, c)
)",
                     dtype, call);
}

void expect_consistent(const std::string &text, const std::string &field, int *accepted, int *refused) {
  INFO(text);
  Outcome o = compile_and_run(text);
  if (o.accepted) {
    ++*accepted;
    return;
  }
  ++*refused;
  CHECK(o.diagnostics.find("internal") == std::string::npos);
  // Refusals about the ALU op point at the line of the isa call.
  const size_t call = text.find("isa.");
  const std::string line = std::to_string(1 + std::count(text.begin(), text.begin() + long(call), '\n'));
  if (o.diagnostics.find(field + ":") != std::string::npos)
    CHECK_MESSAGE(o.diagnostics.find("rules.tile:" + line + ":") != std::string::npos, o.diagnostics);
  else
    CHECK_MESSAGE(o.diagnostics.find("error:") != std::string::npos, o.diagnostics);
}

} // namespace

TEST_CASE("ALU rules: every op in every ALU attribute, through the front end, compiler and simulator") {
  const std::vector<std::string> ops = alu_names();
  int accepted = 0, refused = 0;
  for (const char *dt : {"f32", "i32", "bf16"}) {
    for (const std::string &op : ops) {
      expect_consistent(kernel(dt, "isa.tensor_tensor(src0=a, src1=b, op=" + op + ")"), "op", &accepted, &refused);
      expect_consistent(kernel(dt, "copy(b)\n    isa.tensor_reduce(dst=r, src=a, op=" + op + ")"), "op", &accepted,
                        &refused);
      expect_consistent(kernel(dt, "copy(b)\n    isa.affine_select(dst=r, src=a[:, 0:1], cmp=" + op + ")"), "cmp",
                        &accepted, &refused);
      expect_consistent(kernel(dt, "copy(b)\n    let pr = isa.tensor_partition_reduce(data=a, op=" + op + ")"), "op",
                        &accepted, &refused);
      for (const std::string &op1 : ops) {
        expect_consistent(kernel(dt, "isa.tensor_scalar(src=a, op0=" + op + ", imm0=2.0, op1=" + op1 + ", imm1=3.0)"),
                          "op", &accepted, &refused);
        expect_consistent(kernel(dt, "isa.tensor_scalar_reduce(src=a, op0=" + op + ", imm0=2.0, reduce_op=" + op1 +
                                         ", reduce_dst=r)"),
                          "op", &accepted, &refused);
        expect_consistent(
            kernel(dt, "isa.tensor_tensor_scan(data0=a, data1=b, op0=" + op + ", op1=" + op1 + ", initial_imm=1.0)"),
            "op", &accepted, &refused);
        expect_consistent(
            kernel(dt, "isa.scalar_tensor_tensor(data=a, op0=" + op + ", imm0=2.0, operand1=b, op1=" + op1 + ")"), "op",
            &accepted, &refused);
      }
    }
  }
  MESSAGE(accepted << " combinations accepted, " << refused << " refused with a source diagnostic");
  CHECK(accepted > 0);
  CHECK(refused > 0);
}

TEST_CASE("ALU rules: the front end and the verifier refuse the same instruction with the same words") {
  // isa.tensor_reduce with a non-reduction op reached users as "internal
  // compiler error: the lowered program does not verify"; now both say why.
  // (The case was op=subtract, which NKI 2.26 lists as a legal reduction,
  // nki.api.shared.rst; abs_max is not in its ALU-op table.)
  Outcome o = compile_and_run(kernel("f32", "copy(b)\n    isa.tensor_reduce(dst=r, src=a, op=abs_max)"));
  REQUIRE_FALSE(o.accepted);
  CHECK(o.diagnostics.find("rules.tile:6:") != std::string::npos);
  const std::string words = "op: abs_max is not a reduction op";
  CHECK(o.diagnostics.find(words) != std::string::npos);

  Instruction inst = Instruction::make(Opcode::tensor_reduce);
  inst.attr[attr::tensor_reduce::op].i = int64_t(AluOp::abs_max);
  auto problem = check_alu_attrs(inst);
  REQUIRE(problem);
  // ...and accept what NKI 2.26's "Legal Reduction op" column lists.
  for (AluOp ok : {AluOp::add, AluOp::subtract, AluOp::multiply, AluOp::max, AluOp::min}) {
    Instruction legal = Instruction::make(Opcode::tensor_reduce);
    legal.attr[attr::tensor_reduce::op].i = int64_t(ok);
    CHECK_MESSAGE(!check_alu_attrs(legal), alu_name(ok));
  }
  CHECK(fmt::format("{}: {}", op_info(inst.op).attrs[problem->attr].name, problem->message).find(words) == 0);
}

// ---- Operand rules (runtime/operand_rules.cpp) ------------------------------
// For instructions whose rules were once written separately in the front end,
// the verifier and the simulator's validation: sweeps of operand shapes,
// memories, dtypes, engines and attributes. Each combination is compiled from
// source (what the front end accepts must compile, verify and simulate; what
// it refuses gets a source diagnostic) and, when its dst is given, built as a
// single instruction for the verifier and the validation: all three must
// agree with each other and with the rule as documented (docs/isa.md),
// restated here as `expect`.

namespace {

// One operand: a tile (made with zeros(), or a dst type) or an HBM view.
struct Arg {
  std::string field;
  std::string type; // tile type text; empty for HBM
  std::string hbm;  // HBM expression
  AccessPattern ap;
};

std::string dims_text(const std::vector<int64_t> &dims) {
  std::string s;
  for (int64_t d : dims) s += (s.empty() ? "" : ", ") + std::to_string(d);
  return s;
}

// A tile operand at `slot`'s own place: SBUF slots 16 KiB apart, PSUM slots
// one bank (2 KiB) apart; free dims row-major, as the lowering lays them out.
Arg tile(const std::string &field, Memory mem, Dtype dt, int64_t p, const std::vector<int64_t> &dims, unsigned slot) {
  Arg a{field, fmt::format("{} {}[{} | {}]", memory_name(mem), dtype_name(dt), p, dims_text(dims)), "", {}};
  a.ap.mem = mem;
  a.ap.dtype = dt;
  a.ap.num_partitions = uint16_t(p);
  a.ap.offset = slot * (mem == Memory::psum ? 2048u : 16384u);
  a.ap.num_dims = uint8_t(dims.size());
  int64_t stride = 1;
  for (size_t k = dims.size(); k-- > 0;) {
    a.ap.dims[k] = Dim{stride, uint32_t(dims[k])};
    stride *= dims[k];
  }
  return a;
}

// x (input, bytes [0, 512)) or out (output, bytes [512, 1024)): f32[8, 16],
// rows [0, rows) and columns [0, cols).
Arg hbm(const std::string &field, const std::string &name, int64_t rows, int64_t cols) {
  std::string text = name;
  if (rows != 8 || cols != 16) text += fmt::format("[0:{}, 0:{}]", rows, cols);
  Arg a{field, "", text, {}};
  a.ap.mem = Memory::hbm;
  a.ap.dtype = Dtype::f32;
  a.ap.offset = name == "x" ? 0 : 512;
  a.ap.num_dims = 2;
  a.ap.dims[0] = Dim{16, uint32_t(rows)};
  a.ap.dims[1] = Dim{1, uint32_t(cols)};
  return a;
}

struct Sweep {
  int accepted = 0, refused = 0, direct = 0;
};

// `args[0]` is dst, or absent (field empty) to let the front end infer it.
void expect_agree(Opcode op, const std::vector<Arg> &args, const std::string &attrs_text,
                  const std::function<void(Instruction &)> &set_attrs, std::optional<Engine> engine,
                  std::optional<bool> expect, Sweep *sweep) {
  const OpInfo &info = op_info(op);
  std::string pre, fields;
  for (size_t i = 0; i < args.size(); ++i) {
    const Arg &a = args[i];
    if (a.field.empty()) continue;
    std::string value = a.hbm;
    if (value.empty() && i == 0) value = a.type; // a new dst tile
    if (value.empty()) {
      value = "o" + std::to_string(i);
      pre += fmt::format("    let {} = zeros({})\n", value, a.type);
    }
    fields += (fields.empty() ? "" : ", ") + a.field + "=" + value;
  }
  if (!attrs_text.empty()) fields += ", " + attrs_text;
  if (engine) fields += std::string(", engine=") + std::string(engine_name(*engine));
  const bool hbm_dst = !args[0].field.empty() && !args[0].hbm.empty();
  const std::string text = fmt::format("kernel rules(x: f32[8, 16]) -> f32[8, 16]:\n    let a = load(x)\n"
                                       "    store(out, a)\n{}    {}isa.{}({})\n",
                                       pre, hbm_dst ? "" : "let c = ", info.name, fields);
  INFO(text);
  Outcome o = compile_and_run(text);
  if (o.accepted) {
    ++sweep->accepted;
  } else {
    ++sweep->refused;
    CHECK_MESSAGE(o.diagnostics.find("internal") == std::string::npos, o.diagnostics);
    CHECK_MESSAGE(o.diagnostics.find("rules.tile:") != std::string::npos, o.diagnostics);
  }
  if (args[0].field.empty()) return; // the inferred dst: the compilation above checked it
  ++sweep->direct;
  const Target &target = *find_target("trn2");
  Instruction inst = Instruction::make(op);
  for (size_t i = 0; i < args.size(); ++i)
    if (!args[i].field.empty()) inst.ap[i] = args[i].ap;
  set_attrs(inst);
  const EngineMask candidates = engine ? engine_bit(*engine) : info.engines;
  const EngineMask legal = legal_engines(inst, candidates, target);
  Engine run_on = engine ? *engine : Engine::dma;
  for (unsigned b = kNumEngines; b-- > 0;)
    if ((legal ? legal : candidates) & (1u << b)) run_on = Engine(b);
  Program p;
  p.kernel = "v";
  p.target = target.name;
  p.hbm_size = 1024;
  p.stream(StreamId{run_on, 0}).insts.push_back(inst);
  llvm::Error invalid = validate_for_simulation(p, target, p.hbm_size);
  const std::string why = invalid ? llvm::toString(std::move(invalid)) : "";
  INFO("verifier: " << (legal ? "accepts" : "refuses") << "; validation: " << (why.empty() ? "accepts" : why));
  CHECK_MESSAGE(o.accepted == (legal != 0), o.diagnostics);
  CHECK((legal != 0) == why.empty());
  if (expect) CHECK_MESSAGE(o.accepted == *expect, o.diagnostics);
}

bool valid_tile(int64_t p, Memory mem, Dtype dt, int64_t free) {
  return p >= 1 && p <= 128 && (mem != Memory::psum || free * int64_t(dtype_size(dt)) <= 2048);
}

} // namespace

TEST_CASE("Operand rules: nc_matmul, nc_transpose, tensor_reduce, dma_copy, iota, memset agree everywhere") {
  Sweep sweep;
  const Memory S = Memory::sbuf, P = Memory::psum;
  auto none = [](Instruction &) {};
  // nc_matmul: stationary [K | M] and moving [K' | N] from SBUF, dst
  // f32 [M | N] in PSUM; K <= 128, M <= 128, N <= 512.
  for (Memory sm : {S, P})
    for (Memory mm : {S, P})
      for (int64_t k2 : {32, 64})
        for (int64_t m : {8, 128, 192})
          for (int64_t n : {16, 512, 600})
            for (int dv = 0; dv < 5; ++dv) {
              const int64_t k = 64;
              Arg st = tile("stationary", sm, Dtype::f32, k, {m}, 1), mv = tile("moving", mm, Dtype::f32, k2, {n}, 2);
              const Memory dm = dv == 3 ? S : P;
              const Dtype dd = dv == 2 ? Dtype::bf16 : Dtype::f32;
              const bool swapped = dv == 4;
              Arg dst = dv == 0 ? Arg{} : tile("dst", dm, dd, swapped ? n : m, {swapped ? m : n}, 0);
              const bool operands_ok = valid_tile(k, sm, Dtype::f32, m) && valid_tile(k2, mm, Dtype::f32, n);
              const bool ok = operands_ok && valid_tile(swapped ? n : m, dm, dd, swapped ? m : n) && sm == S &&
                              mm == S && dm == P && k == k2 && m <= 128 && n <= 512 && dd == Dtype::f32 &&
                              (!swapped || m == n);
              expect_agree(Opcode::nc_matmul, {dst, st, mv}, "", none, std::nullopt,
                           dv == 0 ? std::nullopt : std::optional<bool>(ok), &sweep);
            }
  // nc_transpose: dst [F | P]; the Tensor engine (the default) from SBUF
  // into PSUM, F <= 128; the Vector engine at most 32x32, any memories;
  // without engine=, either.
  for (Memory sm : {S, P})
    for (auto [p, f] : std::vector<std::pair<int64_t, int64_t>>{{8, 16}, {32, 32}, {64, 32}, {32, 128}, {8, 192}})
      for (std::optional<Engine> eng :
           {std::optional<Engine>(), std::optional(Engine::tensor), std::optional(Engine::vector)})
        for (int dv = 0; dv < 4; ++dv) {
          Arg src = tile("src", sm, Dtype::f32, p, {f}, 1);
          const Memory dm = dv == 2 ? S : P;
          const bool swapped = dv == 3;
          Arg dst = dv == 0 ? Arg{} : tile("dst", dm, Dtype::f32, swapped ? p : f, {swapped ? f : p}, 0);
          const bool on_tensor = sm == S && dm == P && f <= 128, on_vector = p <= 32 && f <= 32;
          const bool ok = valid_tile(p, sm, Dtype::f32, f) &&
                          valid_tile(swapped ? p : f, dm, Dtype::f32, swapped ? f : p) && (!swapped || p == f) &&
                          (eng == Engine::tensor   ? on_tensor
                           : eng == Engine::vector ? on_vector
                                                   : on_tensor || on_vector);
          expect_agree(Opcode::nc_transpose, {dst, src}, "", none, eng,
                       dv == 0 ? std::nullopt : std::optional<bool>(ok), &sweep);
        }
  // tensor_reduce: the axes mask selects the innermost 1-4 of src's free
  // dims (bit 0 = innermost); dst is [P | the kept dims]; Vector only.
  for (Memory sm : {S, P})
    for (const std::vector<int64_t> &dims : std::vector<std::vector<int64_t>>{{16}, {4, 4}, {2, 3, 4}, {16, 1}})
      for (int64_t axes : {0, 1, 2, 3, 5, 7, 8})
        for (std::optional<Engine> eng : {std::optional<Engine>(), std::optional(Engine::gpsimd)})
          for (auto [dp, dfree] : std::vector<std::pair<int64_t, int64_t>>{{0, 0}, {8, 1}, {8, 4}, {8, 16}, {4, 1}}) {
            Arg src = tile("src", sm, Dtype::f32, 8, dims, 1);
            Arg dst = dp == 0 ? Arg{} : tile("dst", S, Dtype::f32, dp, {dfree}, 0);
            const unsigned nd = unsigned(dims.size());
            int64_t kept = 1;
            for (unsigned i = 0; i < nd; ++i)
              if (!((axes >> (nd - 1 - i)) & 1)) kept *= dims[i];
            // NKI 2.26: the Vector engine only; the innermost 1-4 dims.
            const bool ok = axes > 0 && axes < (int64_t(1) << nd) && (axes & (axes + 1)) == 0 && dp == 8 &&
                            dfree == kept && eng != Engine::gpsimd;
            expect_agree(
                Opcode::tensor_reduce, {dst, src}, fmt::format("op=add, axes={}", axes),
                [&](Instruction &in) {
                  in.attr[attr::tensor_reduce::op].i = int64_t(AluOp::add);
                  in.attr[attr::tensor_reduce::axes].i = axes;
                },
                eng, dp == 0 ? std::nullopt : std::optional<bool>(ok), &sweep);
          }
  // dma_copy: HBM or SBUF on either side (NKI 2.26: a PSUM tile is
  // refused), as many elements in dst as in src.
  for (auto [r, c] : std::vector<std::pair<int64_t, int64_t>>{{8, 16}, {2, 16}, {4, 16}, {8, 8}}) {
    for (auto [p, f, mem, dt] : std::vector<std::tuple<int64_t, int64_t, Memory, Dtype>>{{8, 16, S, Dtype::f32},
                                                                                         {4, 8, S, Dtype::f32},
                                                                                         {2, 16, S, Dtype::f32},
                                                                                         {8, 16, S, Dtype::bf16},
                                                                                         {8, 16, P, Dtype::f32},
                                                                                         {4, 32, S, Dtype::f32}}) {
      const bool ok = r * c == p * f && mem != P;
      expect_agree(Opcode::dma_copy, {tile("dst", mem, dt, p, {f}, 0), hbm("src", "x", r, c)}, "", none, std::nullopt,
                   ok, &sweep);
      expect_agree(Opcode::dma_copy, {hbm("dst", "out", r, c), tile("src", mem, dt, p, {f}, 1)}, "", none, std::nullopt,
                   ok, &sweep);
      expect_agree(Opcode::dma_copy, {tile("dst", S, Dtype::f32, r, {c}, 0), tile("src", mem, dt, p, {f}, 1)}, "", none,
                   std::nullopt, ok, &sweep);
    }
  }
  // iota (GpSimd) and memset (Vector, GpSimd): dst on chip, within the
  // engine's reach; no rules of their own.
  for (Memory mem : {S, P})
    for (Dtype dt : {Dtype::f32, Dtype::i32, Dtype::bf16})
      for (auto [p, dims] : std::vector<std::pair<int64_t, std::vector<int64_t>>>{{8, {16}}, {32, {4, 4}}, {128, {1}}})
        for (std::optional<Engine> eng :
             {std::optional<Engine>(), std::optional(Engine::vector), std::optional(Engine::gpsimd)}) {
          const Arg dst = tile("dst", mem, dt, p, dims, 0);
          expect_agree(Opcode::memset, {dst}, "value=1.0", none, eng,
                       std::optional<bool>(!(eng == Engine::gpsimd && mem == P)), &sweep);
          if (eng == Engine::vector) continue; // iota runs on GpSimd only
          expect_agree(Opcode::iota, {dst}, "base=1", none, eng, std::optional<bool>(mem == S), &sweep);
        }
  MESSAGE(sweep.accepted << " combinations accepted, " << sweep.refused << " refused with a source diagnostic; "
                         << sweep.direct << " also checked as one instruction by the verifier and the validation");
  CHECK(sweep.accepted > 0);
  CHECK(sweep.refused > 0);
}

TEST_CASE("Operand rules: the NKI 2.26 engine and memory limits of tensor_tensor, tensor_scalar agree everywhere") {
  Sweep sweep;
  const Memory S = Memory::sbuf, P = Memory::psum;
  // Not both inputs in PSUM; GpSimd (which reaches no PSUM) runs only pow
  // and integer add, subtract and multiply; pow runs on GpSimd only;
  // bitwise ops need integers.
  for (Memory m0 : {S, P})
    for (Memory m1 : {S, P})
      for (Dtype dt : {Dtype::f32, Dtype::i32})
        for (AluOp alu : {AluOp::add, AluOp::subtract, AluOp::multiply, AluOp::max, AluOp::pow, AluOp::bitwise_and,
                          AluOp::logical_or})
          for (std::optional<Engine> eng :
               {std::optional<Engine>(), std::optional(Engine::vector), std::optional(Engine::gpsimd)}) {
            Arg dst = tile("dst", S, dt, 8, {16}, 0);
            Arg a = tile("src0", m0, dt, 8, {16}, 1), b = tile("src1", m1, dt, 8, {16}, 2);
            const bool integer_op = alu == AluOp::add || alu == AluOp::subtract || alu == AluOp::multiply;
            const bool on_vector = (alu_kind(alu) != AluKind::bitwise || dt == Dtype::i32) && alu != AluOp::pow;
            const bool on_gpsimd = m0 == S && m1 == S && (alu == AluOp::pow || (integer_op && dt == Dtype::i32));
            const bool ok = !(m0 == P && m1 == P) && (eng == Engine::vector   ? on_vector
                                                      : eng == Engine::gpsimd ? on_gpsimd
                                                                              : on_vector || on_gpsimd);
            expect_agree(
                Opcode::tensor_tensor, {dst, a, b}, fmt::format("op={}", alu_name(alu)),
                [&](Instruction &in) { in.attr[attr::tensor_tensor::op].i = int64_t(alu); }, eng, ok, &sweep);
          }
  // tensor_scalar: bitwise ops (integers only) on Vector only; Vector not
  // rsqrt or pow; the Scalar engine (trn2) only (multiply, add), (multiply,
  // bypass), (add, bypass); GpSimd only (rsqrt, bypass).
  const std::vector<AluOp> ts_ops = {AluOp::bypass,      AluOp::add,        AluOp::subtract, AluOp::multiply,
                                     AluOp::max,         AluOp::rsqrt,      AluOp::abs,      AluOp::pow,
                                     AluOp::bitwise_xor, AluOp::logical_and};
  for (Dtype dt : {Dtype::f32, Dtype::i32})
    for (AluOp op0 : ts_ops)
      for (AluOp op1 : ts_ops)
        for (std::optional<Engine> eng : {std::optional<Engine>(), std::optional(Engine::vector),
                                          std::optional(Engine::scalar), std::optional(Engine::gpsimd)}) {
          if (op0 == AluOp::bypass) continue; // op0 is required and not a no-op
          Arg dst = tile("dst", S, dt, 8, {16}, 0), src = tile("src", S, dt, 8, {16}, 1);
          const bool bitwise0 = alu_kind(op0) == AluKind::bitwise, bitwise1 = alu_kind(op1) == AluKind::bitwise;
          const bool any_bitwise = bitwise0 || bitwise1;
          const bool alu_ok =
              (!any_bitwise || dt == Dtype::i32) && (op1 == AluOp::bypass || bitwise0 == bitwise1); // one pipeline
          const bool on_scalar = (op0 == AluOp::multiply && (op1 == AluOp::add || op1 == AluOp::bypass)) ||
                                 (op0 == AluOp::add && op1 == AluOp::bypass);
          const bool on_vector = op0 != AluOp::rsqrt && op1 != AluOp::rsqrt && op0 != AluOp::pow && op1 != AluOp::pow;
          const bool on_gpsimd = op0 == AluOp::rsqrt && op1 == AluOp::bypass;
          const bool ok = alu_ok && (eng == Engine::scalar   ? on_scalar
                                     : eng == Engine::gpsimd ? on_gpsimd
                                     : eng == Engine::vector ? on_vector
                                                             : on_scalar || on_gpsimd || on_vector);
          expect_agree(
              Opcode::tensor_scalar, {dst, src},
              fmt::format("op0={}, imm0=2.0, op1={}, imm1=3.0", alu_name(op0), alu_name(op1)),
              [&](Instruction &in) {
                in.attr[attr::tensor_scalar::op0].i = int64_t(op0);
                in.set_float(attr::tensor_scalar::imm0, 2.0f);
                in.attr[attr::tensor_scalar::op1].i = int64_t(op1);
                in.set_float(attr::tensor_scalar::imm1, 3.0f);
              },
              eng, ok, &sweep);
        }
  MESSAGE(sweep.accepted << " combinations accepted, " << sweep.refused << " refused with a source diagnostic");
  CHECK(sweep.accepted > 0);
  CHECK(sweep.refused > 0);
}
