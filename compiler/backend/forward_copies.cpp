// Pass: forward-copies.
//
// Assumes: LIR in a valid sequential program order (before schedule); on-chip
// operands name virtual buffers with buffer-relative partitions and bytes.
// Guarantees: the program computes the same values, with fewer tensor_copies.
// A tensor_copy C that legalize made for an assignment (`assign_copy`: one
// the kernel did not ask for; `copy(x)` and isa.tensor_copy stay), from a
// buffer T into part of another buffer B, is deleted, and the instruction W
// that produced T writes that part of B instead, when
// - W is T's only writer and C its only reader, and C copies exactly the
//   bytes W wrote (the same pattern), as they are (same dtype);
// - B is in the same memory as T, and C's destination has the same
//   partitions and the same dims (counts) as its source, so W's result keeps
//   its shape and only its strides and offset change;
// - W does not also read what it writes (an accumulating matmul), is not an
//   indirect DMA, and names neither B nor T in another operand;
// - nothing between W and C touches those bytes of B (W now writes them
//   earlier than C did);
// - every engine W could run on still takes it with its new destination
//   (runtime/verifier.h, legal_engines: the schedule chooses among them).
// T is then accessed by nothing (allocate-memory gives it no space). The
// pass repeats until nothing changes, so a chain of copies (T -> U -> part
// of B) collapses, and running it again changes nothing (a .lir dump
// resumes to the same program).
// Why: the language evaluates an assignment's right-hand side into a new
// tile, so `run[:, j*w : +w] = load(...)` and `qk[:, j*128 : +128] =
// isa.nc_transpose(...)` load or transpose into a temporary that a
// Vector-, Scalar- or GpSimd-engine copy then moves into place. On the
// machine each such copy is engine time spent moving bytes already where
// they could have been written (the GQA kernel's K/V runs: a copy of every
// K and V byte), and in the simulator the same bytes are copied once more.
//
// How: per walk, each buffer's accesses in program order (buffer_accesses);
// an instruction whose destination moved is not moved again in the same
// walk (its buffer's lists no longer show it). A copy
// deleted earlier in the walk still counts as an access of its destination
// (with that destination's bytes), which is where its producer now writes:
// every producer moved so far wrote at or before its copy, so an access
// between W and C that moved there is found through its copy.
#include "compiler/backend/dependences.h"
#include "compiler/backend/passes.h"
#include "runtime/verifier.h"

#include <algorithm>
#include <vector>

namespace nk::lir {

namespace {

bool same_shape(const AccessPattern &a, const AccessPattern &b) {
  if (a.mem != b.mem || a.dtype != b.dtype || a.start_partition != b.start_partition ||
      a.num_partitions != b.num_partitions || a.num_dims != b.num_dims)
    return false;
  for (unsigned i = 0; i < a.num_dims; ++i)
    if (a.dims[i].count != b.dims[i].count) return false;
  return true;
}

// One walk over the program; whether it deleted a copy. The scan between a
// producer and its copy visits only the destination buffer's accesses in
// between (usually none: legalize emits the copy right after its value).
bool forward_once(Program &p, const Target &t) {
  const std::vector<std::vector<uint32_t>> touching = buffer_accesses(p);
  const size_t n = p.insts.size();
  std::vector<bool> dead(n, false);
  std::vector<bool> retargeted(n, false); // W's destination moved: its lists are stale
  for (uint32_t c = 0; c < n; ++c) {
    const Inst &copy = p.insts[c];
    if (copy.inst.op != Opcode::tensor_copy || !copy.assign_copy) continue;
    const BufferId from = copy.buffer[ap::tensor_copy::src], to = copy.buffer[ap::tensor_copy::dst];
    if (from == kNoBuffer || to == kNoBuffer || from == to || from >= p.buffers.size() || to >= p.buffers.size())
      continue;
    const AccessPattern &src = copy.inst.ap[ap::tensor_copy::src];
    const AccessPattern &dst = copy.inst.ap[ap::tensor_copy::dst];
    if (!same_shape(src, dst)) continue;
    const std::vector<uint32_t> &of_from = touching[from];
    if (of_from.size() != 2 || of_from[1] != c) continue;
    const uint32_t w = of_from[0];
    if (dead[w] || retargeted[w]) continue;
    Inst &producer = p.insts[w];
    if (is_indirect(producer.inst)) continue;
    const OpInfo &info = op_info(producer.inst.op);
    int slot = -1;
    bool other_use = false;
    for (unsigned k = 0; k < info.num_aps; ++k) {
      if (producer.buffer[k] == to) other_use = true;
      if (producer.buffer[k] != from) continue;
      if (slot >= 0 || !operand_writes(producer.inst, k) || operand_reads(producer.inst, k)) other_use = true;
      slot = int(k);
    }
    if (other_use || slot < 0 || producer.inst.ap[slot] != src) continue;
    // Nothing in between may touch the bytes the producer now writes early.
    const ChipRect target = chip_footprint(dst);
    const std::vector<uint32_t> &of_to = touching[to];
    bool conflict = false;
    for (auto it = std::upper_bound(of_to.begin(), of_to.end(), w); it != of_to.end() && *it < c && !conflict; ++it) {
      const Inst &other = p.insts[*it];
      for (unsigned k = 0; k < op_info(other.inst.op).num_aps && !conflict; ++k)
        if (other.buffer[k] == to && chip_footprint(other.inst.ap[k]).overlaps(target)) conflict = true;
    }
    if (conflict) continue;
    Instruction moved = producer.inst;
    moved.ap[slot] = dst;
    // Every engine the producer could run on must still take it (the
    // schedule chooses among them).
    const EngineMask before = legal_engines(producer.inst, producer.engines, t);
    if ((legal_engines(moved, producer.engines, t) & before) != before) continue;
    producer.inst = moved;
    producer.buffer[slot] = to;
    retargeted[w] = true;
    dead[c] = true;
  }

  size_t out = 0;
  for (size_t i = 0; i < n; ++i)
    if (!dead[i]) p.insts[out++] = p.insts[i];
  p.insts.resize(out);
  return out < n;
}

} // namespace

void forward_copies(Program &p, const Target &t) {
  while (forward_once(p, t)) {}
}

} // namespace nk::lir
