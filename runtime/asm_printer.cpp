// Text assembly printer, driven by the ISA table's field lists.
#include "runtime/asm_printer.h"

#include <fmt/format.h>

#include <cmath>

namespace nk {

std::string format_float(float f) {
  // NaNs other than the canonical quiet NaN keep their exact bits.
  if (std::isnan(f) && f32_bits(f) != 0x7fc00000u) return fmt::format("0x{:08x}", f32_bits(f));
  if (std::isnan(f)) return "nan";
  std::string s = fmt::format("{}", f);
  // Keep floats recognisable as floats ("1" -> "1.0"), except inf forms.
  if (s.find_first_of(".eE") == std::string::npos && s.find("inf") == std::string::npos) s += ".0";
  return s;
}

std::string format_access_pattern(const AccessPattern &a) {
  if (!a.present()) return "none";
  std::string s = fmt::format("{}:{}", memory_name(a.mem), dtype_name(a.dtype));
  if (a.on_chip())
    s += fmt::format("[{}:{}]", a.start_partition, unsigned(a.start_partition) + unsigned(a.num_partitions));
  s += fmt::format("+{}[", a.offset);
  for (unsigned i = 0; i < a.num_dims; ++i)
    s += fmt::format("{}[{},{}]", i ? "," : "", a.dims[i].stride, a.dims[i].count);
  s += "]";
  return s;
}

void print_attributes(llvm::raw_ostream &os, const Instruction &inst) {
  const OpInfo &info = op_info(inst.op);
  Instruction defaults = Instruction::make(inst.op);
  for (unsigned i = 0; i < info.num_attrs; ++i) {
    const AttrFieldInfo &a = info.attrs[i];
    if (a.kind == AttrKind::Cont) continue;
    if (a.presence == FieldPresence::Optional) {
      bool is_default = true;
      for (unsigned k = 0; k < attr_slots(a.kind); ++k) is_default &= inst.attr[i + k] == defaults.attr[i + k];
      if (is_default) continue;
    }
    os << ' ' << a.name << '=';
    switch (a.kind) {
    case AttrKind::Bool: os << (inst.attr[i].i ? "true" : "false"); break;
    case AttrKind::Int:
    case AttrKind::Sem: os << inst.attr[i].i; break;
    case AttrKind::Float: os << format_float(inst.attr[i].as_float()); break;
    case AttrKind::Alu: os << alu_name(AluOp(inst.attr[i].i)); break;
    case AttrKind::Act: os << act_name(ActFunc(inst.attr[i].i)); break;
    case AttrKind::Bytes32: os << format_bytes32(inst.attr, i); break;
    case AttrKind::Cont: break;
    }
  }
}

void print_instruction(llvm::raw_ostream &os, const Instruction &inst) {
  const OpInfo &info = op_info(inst.op);
  os << info.name;
  for (unsigned i = 0; i < info.num_aps; ++i) {
    if (!inst.ap[i].present()) continue;
    os << ' ' << info.aps[i].name << '=' << format_access_pattern(inst.ap[i]);
  }
  print_attributes(os, inst);
  if (inst.loc.file || inst.loc.line)
    os << " !loc(" << inst.loc.file << ':' << inst.loc.line << ':' << inst.loc.col << ')';
}

std::string format_instruction(const Instruction &inst) {
  std::string s;
  llvm::raw_string_ostream os(s);
  print_instruction(os, inst);
  return os.str();
}

void print_quoted(llvm::raw_ostream &os, llvm::StringRef s) {
  os << '"';
  for (char c : s) {
    if (c == '"' || c == '\\')
      os << '\\' << c;
    else if (c == '\n')
      os << "\\n";
    else
      os << c;
  }
  os << '"';
}

void print_tensor_decl(llvm::raw_ostream &os, const TensorDecl &t) {
  os << t.name << ' ' << dtype_name(t.dtype) << '[';
  for (size_t i = 0; i < t.shape.size(); ++i) os << (i ? "," : "") << t.shape[i];
  os << "] @" << t.hbm_offset << ' ' << tensor_kind_name(t.kind);
}

void print_program(llvm::raw_ostream &os, const Program &p) {
  os << ".kernel " << p.kernel << '\n';
  os << ".target " << p.target << '\n';
  os << ".hbm_size " << p.hbm_size << '\n';
  if (p.cores != 1) os << ".cores " << unsigned(p.cores) << '\n';
  for (size_t i = 0; i < p.files.size(); ++i) {
    os << ".file " << (i + 1) << ' ';
    print_quoted(os, p.files[i]);
    os << '\n';
  }
  for (const TensorDecl &t : p.tensors) {
    os << ".tensor ";
    print_tensor_decl(os, t);
    os << '\n';
  }
  for (const Stream &s : p.streams) {
    os << "\n.stream " << stream_name(s.id) << '\n';
    for (const Instruction &inst : s.insts) {
      os << "  ";
      print_instruction(os, inst);
      os << '\n';
    }
  }
}

} // namespace nk
