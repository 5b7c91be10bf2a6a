// LIR dump (see lir.h).
#include "compiler/lir/lir.h"

#include "runtime/asm_printer.h"

#include <algorithm>

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

std::pair<uint64_t, uint64_t> byte_extent(const AccessPattern &a) {
  int64_t lo = int64_t(a.offset), hi = int64_t(a.offset);
  for (unsigned i = 0; i < a.num_dims; ++i) {
    int64_t span = a.dims[i].stride * (int64_t(a.dims[i].count) - 1) * int64_t(dtype_size(a.dtype));
    if (span < 0) lo += span; else hi += span;
  }
  return {uint64_t(std::max<int64_t>(lo, 0)), uint64_t(hi + dtype_size(a.dtype))};
}

HbmWrites::HbmWrites(const Program &p) {
  for (const Inst &in : p.insts) {
    const OpInfo &info = op_info(in.inst.op);
    for (unsigned k = 0; k < info.num_aps; ++k)
      if (info.aps[k].role == FieldRole::Out && in.inst.ap[k].mem == Memory::hbm)
        ranges_.push_back(byte_extent(in.inst.ap[k]));
  }
  std::sort(ranges_.begin(), ranges_.end());
  std::vector<std::pair<uint64_t, uint64_t>> merged;
  for (auto r : ranges_) {
    if (!merged.empty() && r.first <= merged.back().second) merged.back().second = std::max(merged.back().second, r.second);
    else merged.push_back(r);
  }
  ranges_ = std::move(merged);
}

bool HbmWrites::overlaps(uint64_t lo, uint64_t hi) const {
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), std::make_pair(lo, UINT64_MAX));
  if (it != ranges_.begin() && std::prev(it)->second > lo) return true;
  return it != ranges_.end() && it->first < hi;
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
