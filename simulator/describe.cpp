// Instruction and operand naming for messages and the trace (describe.h).
#include "simulator/describe.h"

#include "runtime/asm_printer.h"

#include <fmt/format.h>

namespace nk {

std::string describe_loc(const Program &program, const DebugLoc &loc) {
  if (loc.file == 0 || loc.file > program.files.size()) return {};
  return fmt::format("{}:{}:{}", program.files[loc.file - 1], loc.line, loc.col);
}

std::string describe_inst(const Program &program, unsigned stream, uint64_t index) {
  const Stream &s = program.streams[stream];
  std::string out = fmt::format("{}[{}]", stream_name(s.id), index);
  if (index >= s.insts.size()) return out;
  const Instruction &inst = s.insts[index];
  out += ' ';
  if (unsigned(inst.op) >= kNumOpcodes) return out + "<invalid opcode>";
  out += op_info(inst.op).name;
  std::string loc = describe_loc(program, inst.loc);
  if (!loc.empty()) out += fmt::format(" ({})", loc);
  return out;
}

// The operands exactly as the assembly prints them (asm_printer.h), so a
// trace slice can be pasted back into a .s file.
std::string describe_operands(const Instruction &inst) {
  const OpInfo &info = op_info(inst.op);
  std::string out;
  llvm::raw_string_ostream os(out);
  for (unsigned i = 0; i < info.num_aps; ++i)
    if (inst.ap[i].present()) os << ' ' << info.aps[i].name << '=' << format_access_pattern(inst.ap[i]);
  print_attributes(os, inst);
  os.flush();
  if (!out.empty() && out[0] == ' ') out.erase(0, 1);
  return out;
}

} // namespace nk
