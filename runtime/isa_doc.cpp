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
  case AluRule::reduction: return "a reduction";
  case AluRule::arith_reduction: return "an arithmetic reduction";
  case AluRule::comparison: return "a comparison";
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
      os << (a ? ", " : "") << '`' << f.name << '`' << (f.role == FieldRole::Out ? " (out" : " (in")
         << (f.presence == FieldPresence::Optional ? ", optional)" : ")");
    }
    os << " | ";
    Instruction defaults = Instruction::make(Opcode(i));
    for (unsigned a = 0; a < info.num_attrs; ++a) {
      const AttrFieldInfo &f = info.attrs[a];
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
      }
    }
    os << " | ";
    for (const char *c = info.summary; *c; ++c) {
      if (*c == '|') os << '\\';  // a literal bar inside a Markdown table cell
      os << *c;
    }
    os << " |\n";
  }
  os << "\nALU ops: ";
  for (unsigned i = 0; i <= unsigned(AluOp::is_le); ++i) os << (i ? ", " : "") << '`' << alu_name(AluOp(i)) << '`';
  os << ".\n\nActivation functions: ";
  for (unsigned i = 0; i <= unsigned(ActFunc::abs); ++i) os << (i ? ", " : "") << '`' << act_name(ActFunc(i)) << '`';
  os << ".\n\nDtypes: ";
  for (unsigned i = 0; i < kNumDtypes; ++i) os << (i ? ", " : "") << '`' << dtype_name(Dtype(i)) << '`';
  os << ".\n";
}

} // namespace nk
