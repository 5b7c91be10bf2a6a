// Instruction and operand naming for messages and the trace (describe.h).
#include "simulator/describe.h"

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

std::string describe_ap(const AccessPattern &a) {
  std::string out = fmt::format("{}:{}", memory_name(a.mem), dtype_name(a.dtype));
  if (a.on_chip())
    out += fmt::format("[{}:{}]", a.start_partition, a.start_partition + a.num_partitions);
  out += fmt::format("+{}[", a.offset);
  for (unsigned d = 0; d < a.num_dims && d < kMaxHbmDims; ++d)
    out += fmt::format("{}[{},{}]", d ? "," : "", a.dims[d].stride, a.dims[d].count);
  out += ']';
  return out;
}

std::string describe_operands(const Instruction &inst) {
  const OpInfo &info = op_info(inst.op);
  std::string out;
  for (unsigned i = 0; i < info.num_aps; ++i) {
    if (!inst.ap[i].present()) continue;
    if (!out.empty()) out += ' ';
    out += fmt::format("{}={}", info.aps[i].name, describe_ap(inst.ap[i]));
  }
  for (unsigned i = 0; i < info.num_attrs; ++i) {
    if (!out.empty()) out += ' ';
    const AttrFieldInfo &f = info.attrs[i];
    out += f.name;
    out += '=';
    switch (f.kind) {
    case AttrKind::Float: out += fmt::format("{}", inst.get_float(i)); break;
    case AttrKind::Alu: out += alu_name(inst.get_alu(i)); break;
    case AttrKind::Act: out += act_name(inst.get_act(i)); break;
    default: out += std::to_string(inst.get_int(i)); break;
    }
  }
  return out;
}

} // namespace nk
