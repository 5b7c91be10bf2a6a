// LIR dump (see lir.h).
#include "compiler/lir/lir.h"

#include "runtime/asm_printer.h"

namespace nk::lir {

static void print_operand(llvm::raw_ostream &os, const Program &p, const Inst &in, unsigned slot) {
  const AccessPattern &a = in.inst.ap[slot];
  BufferId b = in.buffer[slot];
  if (b == kNoBuffer || b >= p.buffers.size() || p.buffers[b].allocated) {
    os << format_access_pattern(a);
    if (b != kNoBuffer && b < p.buffers.size()) os << "{%" << p.buffers[b].name << '}';
    return;
  }
  // Buffer-relative form: %name[p0:p1]+off[[stride,count],...].
  std::string s = format_access_pattern(a);
  size_t colon = s.find(':');
  os << '%' << p.buffers[b].name << ':' << s.substr(colon + 1);
}

void print_program(llvm::raw_ostream &os, const Program &p) {
  os << "lir " << p.kernel << " target=" << p.target << " hbm_size=" << p.hbm_size << '\n';
  for (const Buffer &b : p.buffers) {
    os << "  buffer %" << b.name << ' ' << memory_name(b.mem) << " [" << b.partitions << " x "
       << b.bytes << " B]";
    if (b.allocated) os << " @" << b.offset;
    os << '\n';
  }
  for (const Inst &in : p.insts) {
    os << "  ";
    if (in.placed) os << stream_name(in.stream) << ": ";
    const OpInfo &info = op_info(in.inst.op);
    os << info.name;
    for (unsigned i = 0; i < info.num_aps; ++i) {
      if (!in.inst.ap[i].present()) continue;
      os << ' ' << info.aps[i].name << '=';
      print_operand(os, p, in, i);
    }
    print_attributes(os, in.inst);
    if (in.inst.loc.line) os << "  !loc(" << in.inst.loc.file << ':' << in.inst.loc.line << ':' << in.inst.loc.col << ')';
    os << '\n';
  }
}

} // namespace nk::lir
