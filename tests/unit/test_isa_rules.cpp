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

#include "llvm/Support/MemoryBuffer.h"

#include <doctest/doctest.h>

#include <fmt/format.h>

#include <algorithm>

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
  // isa.tensor_reduce with op=subtract reached users as "internal compiler
  // error: the lowered program does not verify"; now both say why.
  Outcome o = compile_and_run(kernel("f32", "copy(b)\n    isa.tensor_reduce(dst=r, src=a, op=subtract)"));
  REQUIRE_FALSE(o.accepted);
  CHECK(o.diagnostics.find("rules.tile:6:") != std::string::npos);
  const std::string words = "op: subtract is not a reduction op";
  CHECK(o.diagnostics.find(words) != std::string::npos);

  Instruction inst = Instruction::make(Opcode::tensor_reduce);
  inst.attr[attr::tensor_reduce::op].i = int64_t(AluOp::subtract);
  auto problem = check_alu_attrs(inst);
  REQUIRE(problem);
  CHECK(fmt::format("{}: {}", op_info(inst.op).attrs[problem->attr].name, problem->message).find(words) == 0);
}
