// Pass: elide-memsets.
//
// Assumes: LIR in a valid sequential program order (before schedule); on-chip
// operands name virtual buffers with buffer-relative partitions and bytes.
// Guarantees: the program computes the same values, with fewer memsets:
// - a memset none of whose bytes is read before being overwritten is
//   deleted (e.g. `var qk = zeros(psum ...)` whose columns are then all
//   written by transposes);
// - a zero memset whose only readers are accumulating nc_matmuls, each the
//   first to touch its part of the zeros, is deleted and those matmuls
//   overwrite instead of accumulating (`zeros(psum)` followed by an
//   accumulation group: 0 + x = x; only the sign of an exact zero result
//   can differ, +0 instead of -0).
// Every other memset stays. Kernels write `zeros(...)` for PSUM
// accumulators because the language has no uninitialised tile; on the
// machine the first matmul of an accumulation group simply overwrites, and
// each memset is a Vector-engine instruction per tile.
//
// How: per memset, the region still holding its value (rectangles of
// partitions x bytes) is followed through the later instructions touching
// the same buffer (buffer_accesses in dependences.h, an index per buffer,
// keeps this linear in the accesses).
// A read overlapping the region keeps the memset; a dense write removes its
// rectangle from the region; the memset dies when the region is empty or the
// program ends with nothing having read it. Strided writes are not counted
// as covering anything (conservative); reads use their byte hull.
#include "compiler/backend/dependences.h"
#include "compiler/backend/passes.h"

#include <algorithm>
#include <vector>

namespace nk::lir {

namespace {

using Rect = ChipRect;

// region minus cut, as disjoint rectangles.
void subtract(std::vector<Rect> &region, const Rect &cut) {
  std::vector<Rect> out;
  for (const Rect &r : region) {
    if (!r.overlaps(cut)) {
      out.push_back(r);
      continue;
    }
    uint64_t p0 = std::max(r.p0, cut.p0), p1 = std::min(r.p1, cut.p1);
    if (r.p0 < p0) out.push_back({r.p0, p0, r.b0, r.b1});
    if (p1 < r.p1) out.push_back({p1, r.p1, r.b0, r.b1});
    if (r.b0 < cut.b0) out.push_back({p0, p1, r.b0, cut.b0});
    if (cut.b1 < r.b1) out.push_back({p0, p1, cut.b1, r.b1});
  }
  region = std::move(out);
}

bool overlaps_any(const std::vector<Rect> &region, const Rect &x) {
  for (const Rect &r : region)
    if (r.overlaps(x)) return true;
  return false;
}

bool covered_by(const std::vector<Rect> &region, const Rect &x) {
  // x lies inside the union of the region's disjoint rectangles iff the
  // overlapping parts add up to x's area.
  uint64_t area = 0;
  for (const Rect &r : region) {
    if (!r.overlaps(x)) continue;
    area += (std::min(r.p1, x.p1) - std::max(r.p0, x.p0)) * (std::min(r.b1, x.b1) - std::max(r.b0, x.b0));
  }
  return area == (x.p1 - x.p0) * (x.b1 - x.b0);
}

} // namespace

void elide_memsets(Program &p) {
  // Per buffer, the instructions touching it: the dependence analysis's
  // per-buffer edges are too coarse here (a write to some columns of a
  // buffer is its last writer for reads of the others).
  const std::vector<std::vector<uint32_t>> touching = buffer_accesses(p);

  std::vector<bool> dead(p.insts.size(), false);
  for (size_t i = 0; i < p.insts.size(); ++i) {
    const Inst &ms = p.insts[i];
    if (ms.inst.op != Opcode::memset || ms.buffer[ap::memset::dst] == kNoBuffer) continue;
    const BufferId buf = ms.buffer[ap::memset::dst];
    bool dense;
    Rect all = chip_footprint(ms.inst.ap[ap::memset::dst], &dense);
    if (!dense) continue;
    const bool zero = ms.inst.get_float(attr::memset::value) == 0.0f;
    std::vector<Rect> live = {all};
    std::vector<size_t> to_overwrite; // accumulating matmuls that read only zeros
    bool needed = false;
    const std::vector<uint32_t> &later = touching[buf];
    for (auto it = std::upper_bound(later.begin(), later.end(), uint32_t(i)); it != later.end() && !live.empty();
         ++it) {
      const Inst &in = p.insts[*it];
      const OpInfo &info = op_info(in.inst.op);
      const bool matmul_acc = in.inst.op == Opcode::nc_matmul && in.inst.get_bool(attr::nc_matmul::accumulate);
      // Reads first: an instruction reads its inputs before writing.
      for (unsigned k = 0; k < info.num_aps && !needed; ++k) {
        // (an accumulating matmul's read of its dst is judged below)
        if (in.buffer[k] != buf || !operand_reads(in.inst, k) || (matmul_acc && k == ap::nc_matmul::dst)) continue;
        bool d;
        if (overlaps_any(live, chip_footprint(in.inst.ap[k], &d))) needed = true;
      }
      if (needed) break;
      for (unsigned k = 0; k < info.num_aps; ++k) {
        if (in.buffer[k] != buf || !operand_writes(in.inst, k)) continue;
        bool d;
        Rect w = chip_footprint(in.inst.ap[k], &d);
        if (matmul_acc && k == ap::nc_matmul::dst && overlaps_any(live, w)) {
          // Accumulating into this memset's value: fine only for zeros, and
          // only if every byte it accumulates into still holds them.
          if (!zero || !d || !covered_by(live, w)) {
            needed = true;
            break;
          }
          to_overwrite.push_back(*it);
        }
        if (d) subtract(live, w);
      }
      if (needed) break;
    }
    if (needed) continue;
    dead[i] = true;
    for (size_t j : to_overwrite) p.insts[j].inst.attr[attr::nc_matmul::accumulate].i = 0;
  }

  size_t out = 0;
  for (size_t i = 0; i < p.insts.size(); ++i)
    if (!dead[i]) p.insts[out++] = p.insts[i];
  p.insts.resize(out);
}

} // namespace nk::lir
