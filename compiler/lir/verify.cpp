// See verify.h.
#include "compiler/lir/verify.h"

#include <fmt/format.h>

#include <unordered_set>

namespace nk::lir {

std::string verify_program(const Program &p, const Target &t, VerifyStage stage) {
  return find_problem(p, t, stage).message;
}

VerifyStage reached_stage(const Program &p) {
  VerifyStage s;
  s.compute_placed = s.dma_placed = true;
  for (const Inst &in : p.insts)
    if (!in.placed) (in.engines == engine_bit(Engine::dma) ? s.dma_placed : s.compute_placed) = false;
  for (const Buffer &b : p.buffers) s.allocated |= b.allocated;
  return s;
}

VerifyProblem find_problem(const Program &p, const Target &t, VerifyStage stage) {
  std::unordered_set<std::string> names;
  for (BufferId b = 0; b < p.buffers.size(); ++b) {
    const Buffer &buf = p.buffers[b];
    if (buf.mem != Memory::sbuf && buf.mem != Memory::psum)
      return {fmt::format("buffer {} is in {}, not SBUF or PSUM", buf.name, memory_name(buf.mem)), SIZE_MAX, b};
    if (!names.insert(buf.name).second) return {fmt::format("two buffers are named {}", buf.name), SIZE_MAX, b};
  }
  for (size_t n = 0; n < p.insts.size(); ++n) {
    const Inst &in = p.insts[n];
    auto bad = [&](const std::string &why) {
      return VerifyProblem{fmt::format("instruction #{} ({}): {}", n,
                                       unsigned(in.inst.op) < kNumOpcodes ? op_info(in.inst.op).name : "?", why),
                           n, kNoBuffer};
    };
    if (unsigned(in.inst.op) >= kNumOpcodes) return bad("invalid opcode");
    const OpInfo &info = op_info(in.inst.op);
    if (!in.engines) return bad("no engine may run it");
    if (in.engines & ~info.engines) return bad("its engine set includes engines the ISA table does not allow");
    for (unsigned i = 0; i < info.num_aps; ++i) {
      const AccessPattern &a = in.inst.ap[i];
      if (!a.present()) {
        if (info.aps[i].presence == FieldPresence::Required)
          return bad(fmt::format("required operand {} is missing", info.aps[i].name));
        continue;
      }
      if (a.mem == Memory::hbm) continue;
      const BufferId b = in.buffer[i];
      if (b == kNoBuffer || b >= p.buffers.size())
        return bad(fmt::format("operand {} is on chip but names no buffer", info.aps[i].name));
      const Buffer &buf = p.buffers[b];
      if (buf.mem != a.mem)
        return bad(fmt::format("operand {} is in {} but its buffer {} is in {}", info.aps[i].name, memory_name(a.mem),
                               buf.name, memory_name(buf.mem)));
      if (a.start_partition + a.num_partitions > buf.partitions)
        return bad(fmt::format("operand {} uses partitions [{}, {}) of buffer {}, which has {}", info.aps[i].name,
                               a.start_partition, a.start_partition + a.num_partitions, buf.name, buf.partitions));
      if (stage.allocated && !buf.allocated)
        return bad(fmt::format("operand {}'s buffer {} has no address after allocation", info.aps[i].name, buf.name));
      const uint64_t base = buf.allocated ? buf.offset : 0;
      const auto [lo, hi] = byte_extent(a);
      if (lo < base || hi > base + buf.bytes)
        return bad(fmt::format("operand {} reaches bytes [{}, {}) outside buffer {} [{}, {})", info.aps[i].name, lo, hi,
                               buf.name, base, base + buf.bytes));
    }
    const bool dma = in.engines == engine_bit(Engine::dma);
    if ((dma ? stage.dma_placed : stage.compute_placed) && !in.placed) return bad("not placed on a stream");
    if (in.placed) {
      if (!(in.engines & engine_bit(in.stream.engine)))
        return bad(fmt::format("placed on {}, which is not one of its engines", engine_name(in.stream.engine)));
      if (in.stream.engine == Engine::dma && in.stream.queue >= t.dma_queues)
        return bad(fmt::format("DMA queue {} does not exist ({} has {})", in.stream.queue, t.name, t.dma_queues));
    }
  }
  if (stage.allocated)
    for (BufferId id = 0; id < p.buffers.size(); ++id) {
      const Buffer &b = p.buffers[id];
      if (!b.allocated) continue;
      const uint64_t cap = b.mem == Memory::psum ? t.psum_bytes_per_partition : t.sbuf_bytes_per_partition;
      if (b.offset + b.bytes > cap)
        return {fmt::format("buffer {} at [{}, {}) does not fit {}'s {} bytes per partition", b.name, b.offset,
                            b.offset + b.bytes, memory_name(b.mem), cap),
                SIZE_MAX, id};
    }
  return {};
}

} // namespace nk::lir
