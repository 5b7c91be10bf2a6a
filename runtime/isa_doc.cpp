// Markdown rendering of the instruction table (see isa_doc.h).
#include "runtime/isa_doc.h"

#include "runtime/asm_printer.h"
#include "runtime/isa.h"

namespace nk {

static const char *alu_rule_name(AluRule r) {
  switch (r) {
  case AluRule::any: return "";
  case AluRule::not_bypass: return "not bypass";
  case AluRule::arithmetic: return "arithmetic";
  case AluRule::vector_tensor_scalar: return "arithmetic, reciprocal or abs";
  case AluRule::reduction: return "add, subtract, multiply, max, min, logical or bitwise";
  case AluRule::arith_reduction: return "add, subtract, multiply, max or min";
  case AluRule::comparison: return "a comparison";
  case AluRule::partition_reduction: return "add, max, bitwise_or or bitwise_and";
  case AluRule::rmw: return "bypass (none) or add";
  }
  return "";
}

static const char *kind_name(AttrKind k) {
  switch (k) {
  case AttrKind::Bool: return "bool";
  case AttrKind::Int: return "int";
  case AttrKind::Float: return "float";
  case AttrKind::Alu: return "alu op";
  case AttrKind::Act: return "activation";
  case AttrKind::Sem: return "semaphore";
  case AttrKind::Bytes32: return "list of 32 bytes";
  case AttrKind::Cont: return "";
  }
  return "?";
}

void describe_isa_markdown(llvm::raw_ostream &os) {
  os << "| instruction | engines | operands | attributes | computes |\n";
  os << "|---|---|---|---|---|\n";
  for (unsigned i = 0; i < kNumOpcodes; ++i) {
    const OpInfo &info = op_info(Opcode(i));
    os << "| `" << info.name << "` | ";
    bool first = true;
    for (unsigned e = 0; e < kNumEngines; ++e)
      if (info.engines & (1u << e)) {
        os << (first ? "" : ", ") << engine_name(Engine(e));
        first = false;
      }
    os << " | ";
    for (unsigned a = 0; a < info.num_aps; ++a) {
      const ApFieldInfo &f = info.aps[a];
      os << (a ? ", " : "") << '`' << f.name << '`'
         << (f.role == FieldRole::Out     ? " (out"
             : f.role == FieldRole::InOut ? " (in-out"
                                          : " (in")
         << (f.presence == FieldPresence::Optional ? ", optional)" : ")");
    }
    os << " | ";
    Instruction defaults = Instruction::make(Opcode(i));
    for (unsigned a = 0; a < info.num_attrs; ++a) {
      const AttrFieldInfo &f = info.attrs[a];
      if (f.kind == AttrKind::Cont) continue;
      os << (a ? ", " : "") << '`' << f.name << "`: " << kind_name(f.kind);
      if (f.kind == AttrKind::Alu && f.alu_rule != AluRule::any) os << ", " << alu_rule_name(f.alu_rule);
      if (f.presence == FieldPresence::Required) {
        os << " (required)";
        continue;
      }
      os << " = ";
      const AttrValue &v = defaults.attr[a];
      switch (f.kind) {
      case AttrKind::Bool: os << (v.i ? "true" : "false"); break;
      case AttrKind::Int:
      case AttrKind::Sem: os << v.i; break;
      case AttrKind::Float: os << format_float(v.as_float()); break;
      case AttrKind::Alu: os << alu_name(AluOp(v.i)); break;
      case AttrKind::Act: os << act_name(ActFunc(v.i)); break;
      case AttrKind::Bytes32: os << format_bytes32(defaults.attr, a); break;
      case AttrKind::Cont: break;
      }
    }
    os << " | ";
    for (const char *c = info.summary; *c; ++c) {
      if (*c == '|') os << '\\'; // a literal bar inside a Markdown table cell
      os << *c;
    }
    os << " |\n";
  }
  os << "\nALU ops: ";
  for (unsigned i = 0; i <= unsigned(kLastAluOp); ++i) os << (i ? ", " : "") << '`' << alu_name(AluOp(i)) << '`';
  os << ".\n\nActivation functions: ";
  for (unsigned i = 0; i < kNumActFuncs; ++i) os << (i ? ", " : "") << '`' << act_name(ActFunc(i)) << '`';
  os << ".\n\nDtypes: ";
  for (unsigned i = 0; i < kNumDtypes; ++i) os << (i ? ", " : "") << '`' << dtype_name(Dtype(i)) << '`';
  os << ".\n";
  describe_nki_coverage(os);
}

namespace {
// NKI 2.26's nki.isa list (aws-neuron-sdk v2.26.0, general/nki/api/
// nki.isa.rst lines 16-47), in its order, with what this project models.
// A row naming one of our opcodes is checked against the table above by
// tests/unit/test_isa_table.cpp, so "modelled" cannot outlive the opcode.
struct NkiInstruction {
  const char *name;
  const char *ours;   // our opcode (or "" when absent)
  const char *status; // modelled | partly | absent
  const char *notes;  // what is missing, or how it is modelled
};
const NkiInstruction kNki226[] = {
    {"nc_matmul", "nc_matmul", "modelled",
     "tf32 operands (a tf32 tile holds fp32 rounded to a 10-bit mantissa; costed at the bf16 rate, as "
     "documented); PE tiling (tile_row/col, tile_rows/cols) with NKI's rules: matmuls on disjoint PE tiles run "
     "concurrently in the Tensor engine's timing, each at its documented cost (the stream issues the next at "
     "once: the issue interval is not documented); is_stationary_onezero/is_moving_onezero halve a float32 "
     "operand's cost (both on two float32 operands: the bf16 rate, our reading of two separate 2x notes) and a "
     "hinted operand holding anything but 0 and 1 is flagged (warning; error with --strict); is_transpose (\"a "
     "transpose operation with moving as an identity matrix\"): moving must be [K | K], and one that is not the "
     "identity is flagged likewise; the result is the matmul by the identity on NeuronCore-v2, where NaN/Inf spread "
     "as the 2.26 nc_transpose note says (\"not bit-accurate\"), and on v3 stationary's values moved unchanged "
     "(NaN, Inf, -0) by nc_transpose's code, moving not read (our reading of that note, which names v2 only); "
     "dst f32 and the matmul's cost, as 2.26 documents no other for the hint"},
    {"nc_transpose", "nc_transpose", "modelled", "no dtype= (NKI adds a cast instruction)"},
    {"activation", "activation", "modelled",
     "scale an immediate or a [P|1] fp32 tile (scale_tile); reduce_cmd drives the Scalar engine's accumulator "
     "registers (add only, as documented; reduce_dst = NKI's reduce_res, read out after the update; a register "
     "no reset has set is flagged, NKI gives no initial value); all 24 functions, as the exact function "
     "rounded to fp32 (the hardware's polynomials are not documented); an input outside NKI's valid range for "
     "its function (log, sin, arctan, sqrt, rsqrt, reciprocal) is flagged (warning; error with --strict)"},
    {"activation_reduce", "activation", "modelled",
     "activation with reduce_cmd=3 (reset_reduce) and reduce_dst, as NKI defines it; add only"},
    {"tensor_reduce", "tensor_reduce", "modelled",
     "Vector only; axes the innermost 1-4 free dims (mask 1, 3, 7, 15); negate; op add, subtract, multiply, max, "
     "min, logical_and/or/xor (1 or 0; nonzero and NaN true, as NumPy), bitwise_and/or/xor (NKI's Legal "
     "Reduction column); subtract is the left fold x0 - x1 - ... in walk order (NKI documents no order); "
     "keepdims is the dst shape only"},
    {"tensor_partition_reduce", "tensor_partition_reduce", "modelled",
     "a left fold in partition order, in fp32 (order not documented); no documented cost: 150 + N [est]"},
    {"tensor_tensor", "tensor_tensor", "modelled",
     "PSUM+PSUM inputs refused, as documented; logical_and/or/xor on Vector (1 or 0, nonzero and NaN true); pow on "
     "GpSimd only; GpSimd only pow and integer add/subtract/multiply (subtract: the instruction's text, not the "
     "ALU-op table), those in integers, dst keeping the low bits (overflow not documented: two's-complement "
     "wrap-around); default dtype the promoted (higher-precision) input dtype, as documented"},
    {"tensor_tensor_scan", "tensor_tensor_scan", "modelled",
     "initial as a [P|1] tile or initial_imm; several free dims scan in walk order (not documented)"},
    {"scalar_tensor_tensor", "scalar_tensor_tensor", "modelled",
     "operand0 a [P|1] tile or imm0; data may have several free dims (NKI: 2-D)"},
    {"tensor_scalar", "tensor_scalar", "modelled",
     "per-engine ops from the ALU-op table and the instruction's text: Vector every op but rsqrt and pow (divide and "
     "abs_max, not in NKI's table, refused in every instruction; the compiler's / is a multiply by a reciprocal); "
     "GpSimd op0=rsqrt only (op1 bypass), 4x Scalar's cost; Scalar "
     "(multiply, add), (multiply), (add) on NeuronCore-v3 (trn2) only; pow (GpSimd-only) so in no form; "
     "rsqrt/reciprocal/abs ignore their operand and refuse reverse (not documented); GpSimd rsqrt in double, "
     "rounded once (its precision not documented)"},
    {"tensor_scalar_reduce", "tensor_scalar_reduce", "modelled",
     "op0 any arithmetic op, or reciprocal / abs (one operand; rsqrt is not a Vector-engine op); reverse0 "
     "refused (NKI: not supported yet); reduce_op add, subtract, multiply, max, min; a subtract "
     "reduction (not documented) is the left fold x0 - x1 - ... in fp32"},
    {"tensor_copy", "tensor_copy", "modelled", "the Scalar engine's fp32 round trip of int32 is not modelled"},
    {"tensor_copy_dynamic_src", "tensor_copy_dynamic_src", "modelled",
     "offset a [1|1] integer in SBUF, as documented (its dtype is not: any integer); it moves the flat free index "
     "of the src region by offset * offset_stride (an axis of offset_stride elements, as NKI's example indexes "
     "one); out-of-region elements read as 0 (not documented)"},
    {"tensor_copy_dynamic_dst", "tensor_copy_dynamic_dst", "modelled",
     "offset and offset_stride as for _src, on dst; an out-of-region window writes nothing (not documented); the "
     "race and uninitialised-read checkers see only the window the run-time offset picks written (the compiler's "
     "dependences, static, the whole region)"},
    {"tensor_copy_predicated", "tensor_copy_predicated", "modelled", "dst is read and written (an InOut operand)"},
    {"reciprocal", "reciprocal", "modelled", "an IEEE fp32 division; zero and denormals not documented"},
    {"iota", "iota", "modelled",
     "an affine expression with a coefficient per free dim of dst (free_step1-4) and the partition; computed in "
     "int32, then cast"},
    {"dropout", "dropout", "modelled",
     "dropped elements become 0 and kept ones are not rescaled, as documented; prob an immediate or a [P|1] float "
     "tile (f32 for integer data); the drop decisions come from our counter-based generator with a seed attribute "
     "(NKI documents no generator, so the hardware's random streams are not reproduced)"},
    {"affine_select", "affine_select", "modelled",
     "one comparison of an affine expression with a coefficient per free dim of dst (free_step1-4), as NKI "
     "allows; compared in 64-bit integers (width not documented); float or 8/16-bit integer tiles; fill an fp32 "
     "immediate"},
    {"range_select", "range_select", "modelled",
     "reduce_cmd drives the Vector engine's accumulator registers (shared with select_reduce); reduce_op max "
     "only, as documented, over the fp32 values before dst's conversion; idle: reduce_res is the row max, the "
     "registers undefined after (NKI: may be modified); reset sets -inf (select_reduce's reset value; not "
     "documented for range_select); trn2 only, as documented"},
    {"select_reduce", "select_reduce", "modelled",
     "reverse_pred is a logical NOT; the "
     "accumulator registers live in reduce_res (reduce_cmd reset_reduce = accumulate=false, reduce = true); "
     "no documented cost: tensor_copy_predicated's estimated"},
    {"sequence_bounds", "sequence_bounds", "modelled", "no documented cost: 150 + N estimated"},
    {"memset", "memset", "modelled", "GpSimd cost uses the Vector formula (not documented)"},
    {"bn_stats", "bn_stats", "modelled", "count, mean, count*var of the even- then the odd-indexed elements"},
    {"bn_aggr", "bn_aggr", "modelled", "Chan's combination in fp32; population variance"},
    {"local_gather", "local_gather", "modelled",
     "index u16, as documented; an offset past the row gives 0 (NKI: undefined)"},
    {"dma_copy", "dma_copy", "modelled",
     "src and dst in HBM or SBUF, as documented (a PSUM one is an error; store of a PSUM tile copies it to SBUF "
     "first, as NKI's nl.store does); the index tiles' memory is not documented (SBUF or PSUM here); indirect "
     "addressing of the source (src_index: one run-time index, or one per partition for a gather) or "
     "of the destination (dst_index: a store, or a scatter), one of the two; oob_mode skip (1) for them; "
     "dst_rmw_op add (an fp32 add, precision not documented; costed as the copy; duplicate scatter indices all "
     "add, as NKI's compiler-synchronised duplicates; without it the last partition's row wins, not documented); "
     "dge_mode none/swdge/hwdge/unknown (0-3) with the documented rules (hwdge NeuronCore-v3 only; none and "
     "hwdge not indirect, swdge indirect from v3, per NKI's DGE page); none costs no descriptor generation, "
     "swdge costs as hwdge/unknown (no published figure for its GpSimd cycles); the hwdge example's comment in "
     "2.26's test_nki_isa_dma_copy.py (128 accessed partitions, a spill/reload DMA) is read as illustrating "
     "that example, not as rules: 2.26's dma_copy page does not include the example, spill/reload is not "
     "defined (the example's own copy is SBUF to SBUF), and NKI's DGE page states hwdge's rules as the two "
     "checked here"},
    {"dma_transpose", "dma_copy", "modelled",
     ".tile isa.dma_transpose and nisa.dma_transpose, src in HBM or SBUF (PSUM an error), as documented: from "
     "HBM one dma_copy with a permuted source pattern; from SBUF one dma_copy per source partition (row p to "
     "dst's column p: an on-chip DMA pattern walks partitions outermost), so a [P | F] tile costs P DMAs of F "
     "one-element rows (2.26 documents neither how the DMA engine transposes nor its cost: dma_copy's); axes "
     "(1, 0), (2, 1, 0), (3, 1, 2, 0); dtype cast, dge_mode as dma_copy's"},
    {"max8", "max8", "modelled",
     "on the Vector engine (NKI names none); NaN first, ties once per occurrence "
     "(not documented)"},
    {"nc_find_index8", "nc_find_index8", "modelled",
     "dst u16 or u32, u32 when inferred, as documented; a value not in data gives all ones, -1's bits (NKI: "
     "undefined)"},
    {"nc_match_replace8", "nc_match_replace8", "modelled",
     "an absent value gives index -1 and replaces nothing (NKI: undefined); cost read as max(MIN_II, N)"},
    {"nc_stream_shuffle", "nc_stream_shuffle", "modelled",
     "shuffle_mask is a list attribute of 32 compile-time bytes (NKI: also affine expressions); dst is read and "
     "written (an InOut operand); an entry naming a partition src lacks is an error (not documented)"},
};
} // namespace

unsigned nki_coverage_count(const char *status) {
  unsigned n = 0;
  for (const NkiInstruction &i : kNki226) n += std::string_view(i.status) == status;
  return n;
}

std::vector<std::string> nki_coverage_opcodes() {
  std::vector<std::string> v;
  for (const NkiInstruction &i : kNki226)
    if (*i.ours) v.push_back(i.ours);
  return v;
}

void describe_nki_coverage(llvm::raw_ostream &os) {
  const unsigned total = sizeof(kNki226) / sizeof(kNki226[0]);
  os << "\nNKI 2.26 coverage (the " << total << " instructions of `nki.isa`): " << nki_coverage_count("modelled")
     << " modelled, " << nki_coverage_count("partly") << " partly modelled, " << nki_coverage_count("absent")
     << " absent.\n\n";
  os << "| NKI instruction | here | status | what is missing or how it is modelled |\n|---|---|---|---|\n";
  for (const NkiInstruction &i : kNki226)
    os << "| `" << i.name << "` | " << (*i.ours ? "`" + std::string(i.ours) + "`" : std::string("—")) << " | "
       << i.status << " | " << i.notes << " |\n";
}

} // namespace nk
