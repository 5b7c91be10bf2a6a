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
    if (span < 0)
      lo += span;
    else
      hi += span;
  }
  return {uint64_t(std::max<int64_t>(lo, 0)), uint64_t(hi + dtype_size(a.dtype))};
}

bool hbm_runs(const AccessPattern &a, size_t cap, std::vector<std::pair<uint64_t, uint64_t>> &runs) {
  runs.clear();
  const int64_t esz = dtype_size(a.dtype);
  const unsigned nd = a.num_dims;
  for (unsigned d = 0; d < nd; ++d)
    if (a.dims[d].count == 0) return true; // no bytes
  // The innermost dim is one run when its stride is 1, else one per element.
  const bool inner_contiguous = nd == 0 || a.dims[nd - 1].stride == 1 || a.dims[nd - 1].count == 1;
  const int64_t inner_bytes = nd == 0 ? esz : inner_contiguous ? int64_t(a.dims[nd - 1].count) * esz : esz;
  const unsigned outer = nd == 0 ? 0 : inner_contiguous ? nd - 1 : nd;
  uint64_t n = 1;
  for (unsigned d = 0; d < outer; ++d) {
    n *= a.dims[d].count;
    if (n > cap) return false;
  }
  runs.reserve(n);
  uint64_t idx[kMaxHbmDims] = {};
  for (uint64_t k = 0; k < n; ++k) {
    int64_t off = int64_t(a.offset);
    for (unsigned d = 0; d < outer; ++d) off += a.dims[d].stride * int64_t(idx[d]) * esz;
    if (off < 0) off = 0;
    runs.push_back({uint64_t(off), uint64_t(off + inner_bytes)});
    for (int d = int(outer) - 1; d >= 0; --d) {
      if (++idx[d] < a.dims[unsigned(d)].count) break;
      idx[d] = 0;
    }
  }
  std::sort(runs.begin(), runs.end());
  size_t w = 0;
  for (size_t r = 0; r < runs.size(); ++r) {
    if (w && runs[r].first <= runs[w - 1].second)
      runs[w - 1].second = std::max(runs[w - 1].second, runs[r].second);
    else
      runs[w++] = runs[r];
  }
  runs.resize(w);
  return true;
}

bool runs_overlap(const std::vector<std::pair<uint64_t, uint64_t>> &a,
                  const std::vector<std::pair<uint64_t, uint64_t>> &b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i].second <= b[j].first)
      ++i;
    else if (b[j].second <= a[i].first)
      ++j;
    else
      return true;
  }
  return false;
}

HbmWrites::HbmWrites(const Program &p) {
  for (const Inst &in : p.insts) {
    const OpInfo &info = op_info(in.inst.op);
    for (unsigned k = 0; k < info.num_aps; ++k)
      if (operand_writes(in.inst, k) && in.inst.ap[k].mem == Memory::hbm) // an indirect store: any legal index
        ranges_.push_back(byte_extent(operand_envelope(in.inst, k)));
  }
  std::sort(ranges_.begin(), ranges_.end());
  std::vector<std::pair<uint64_t, uint64_t>> merged;
  for (auto r : ranges_) {
    if (!merged.empty() && r.first <= merged.back().second)
      merged.back().second = std::max(merged.back().second, r.second);
    else
      merged.push_back(r);
  }
  ranges_ = std::move(merged);
}

bool HbmWrites::overlaps(uint64_t lo, uint64_t hi) const {
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), std::make_pair(lo, UINT64_MAX));
  if (it != ranges_.begin() && std::prev(it)->second > lo) return true;
  return it != ranges_.end() && it->first < hi;
}

static void print_loc(llvm::raw_ostream &os, const DebugLoc &l) {
  if (l.file || l.line || l.col) os << "  !loc(" << l.file << ':' << l.line << ':' << l.col << ')';
}

void print_engines(llvm::raw_ostream &os, EngineMask engines) {
  os << "!engines(";
  bool first = true;
  for (unsigned e = 0; e < kNumEngines; ++e)
    if (engines & engine_bit(Engine(e))) {
      os << (first ? "" : ",") << engine_name(Engine(e));
      first = false;
    }
  os << ')';
}

void print_program(llvm::raw_ostream &os, const Program &p) {
  os << "lir " << p.kernel << " target=" << p.target << " hbm_size=" << p.hbm_size << '\n';
  for (size_t i = 0; i < p.files.size(); ++i) {
    os << "  file " << (i + 1) << ' ';
    print_quoted(os, p.files[i]);
    os << '\n';
  }
  for (const TensorDecl &t : p.tensors) {
    os << "  tensor ";
    print_tensor_decl(os, t);
    os << '\n';
  }
  for (const Buffer &b : p.buffers) {
    os << "  buffer %" << b.name << ' ' << memory_name(b.mem) << " [" << b.partitions << " x " << b.bytes << " B]";
    if (b.allocated) os << " @" << b.offset;
    print_loc(os, b.loc);
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
    if (in.engines != info.engines) {
      os << ' ';
      print_engines(os, in.engines);
    }
    if (in.assign_copy) os << " !assign";
    print_loc(os, in.inst.loc);
    os << '\n';
  }
}

} // namespace nk::lir
