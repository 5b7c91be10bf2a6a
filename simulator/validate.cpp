// Safety checks before simulation (validate.h). Each failure is one
// llvm::Error naming the instruction ("vector[4] tensor_tensor (f.tile:3:1)")
// and the operand at fault.
#include "simulator/validate.h"

#include "simulator/access.h"
#include "simulator/describe.h"
#include "runtime/operand_rules.h"

#include <fmt/format.h>

namespace nk {

namespace {

struct Checker {
  const Program &program;
  const Target &target;
  uint64_t hbm_bytes;
  unsigned stream = 0;
  uint64_t index = 0;

  llvm::Error fail(const std::string &msg) const {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "%s: %s",
                                   describe_inst(program, stream, index).c_str(), msg.c_str());
  }

  uint64_t partition_bytes(Memory m) const {
    return m == Memory::sbuf ? target.sbuf_bytes_per_partition : target.psum_bytes_per_partition;
  }

  llvm::Error check_ap(const Instruction &inst, unsigned slot) const {
    const AccessPattern &a = inst.ap[slot];
    const char *name = op_info(inst.op).aps[slot].name;
    if (unsigned(a.mem) > unsigned(Memory::psum)) return fail(fmt::format("operand '{}' has an invalid memory", name));
    if (unsigned(a.dtype) >= kNumDtypes) return fail(fmt::format("operand '{}' has an invalid dtype", name));
    unsigned max_dims = a.on_chip() ? kMaxFreeDims : kMaxHbmDims;
    if (a.num_dims > max_dims)
      return fail(fmt::format("operand '{}' has {} dims; at most {} allowed in {}", name, a.num_dims, max_dims,
                              memory_name(a.mem)));
    // Bounds over every address the operand may take (an indirect DMA's
    // every legal index), so no run-time index can leave the memory.
    auto ext = row_extent(operand_envelope(inst, slot));
    if (!ext) return fail(fmt::format("operand '{}': address arithmetic overflows", name));
    if (a.on_chip()) {
      if (a.num_partitions == 0) return fail(fmt::format("operand '{}' addresses no partitions", name));
      if (unsigned(a.start_partition) + a.num_partitions > target.partitions)
        return fail(fmt::format("operand '{}' is out of bounds: partitions [{}, {}) but {} has {}", name,
                                a.start_partition, a.start_partition + a.num_partitions, memory_name(a.mem),
                                target.partitions));
      uint64_t limit = partition_bytes(a.mem);
      if (ext->lo < 0 || uint64_t(ext->hi) > limit)
        return fail(fmt::format("operand '{}' is out of bounds: bytes [{}, {}) of a {} partition "
                                "of {} bytes",
                                name, ext->lo, ext->hi, memory_name(a.mem), limit));
      if (a.free_elements() > kMaxRowElements)
        return fail(fmt::format("operand '{}' has {} elements per partition; the simulator "
                                "accepts at most {}",
                                name, a.free_elements(), kMaxRowElements));
    } else {
      if (ext->lo < 0 || uint64_t(ext->hi) > hbm_bytes)
        return fail(fmt::format("operand '{}' is out of bounds: bytes [{}, {}) of an HBM image "
                                "of {} bytes",
                                name, ext->lo, ext->hi, hbm_bytes));
      if (a.free_elements() > kMaxDmaElements)
        return fail(fmt::format("operand '{}' has {} elements; the simulator accepts at most {}", name,
                                a.free_elements(), kMaxDmaElements));
    }
    return llvm::Error::success();
  }

  llvm::Error check_attrs(const Instruction &inst) const {
    const OpInfo &info = op_info(inst.op);
    for (unsigned i = 0; i < info.num_attrs; ++i) {
      const AttrFieldInfo &f = info.attrs[i];
      int64_t v = inst.attr[i].i;
      bool ok = true;
      switch (f.kind) {
      case AttrKind::Alu: ok = v >= 0 && v <= int64_t(kLastAluOp); break;
      case AttrKind::Act: ok = v >= 0 && v <= int64_t(kLastActFunc); break;
      case AttrKind::Sem: ok = v >= 0 && v < int64_t(target.num_semaphores); break;
      case AttrKind::Bool: ok = v == 0 || v == 1; break;
      default: break;
      }
      if (!ok) return fail(fmt::format("attribute '{}' has invalid value {}", f.name, v));
    }
    return llvm::Error::success();
  }

  // The simulator's own limits and the semaphore values; the instructions'
  // operand rules are runtime/operand_rules.cpp's (check_inst).
  llvm::Error check_op(const Instruction &inst) const {
    switch (inst.op) {
    case Opcode::dma_copy: {
      const AccessPattern &d = inst.ap[ap::dma_copy::dst];
      if (d.num_elements() > kMaxDmaElements)
        return fail(fmt::format("transfer of {} elements; the simulator accepts at most {}", d.num_elements(),
                                kMaxDmaElements));
      return llvm::Error::success();
    }
    case Opcode::sem_signal:
    case Opcode::sem_wait: {
      int64_t v = inst.get_int(inst.op == Opcode::sem_signal ? unsigned(attr::sem_signal::value)
                                                             : unsigned(attr::sem_wait::value));
      if (v < 0 || v > (int64_t(1) << 40)) return fail(fmt::format("invalid value {}", v));
      return llvm::Error::success();
    }
    default: return llvm::Error::success();
    }
  }

  llvm::Error check_inst(Engine engine, const Instruction &inst) const {
    if (unsigned(inst.op) >= kNumOpcodes) return fail("invalid opcode");
    const OpInfo &info = op_info(inst.op);
    if (!(info.engines & engine_bit(engine)))
      return fail(fmt::format("{} cannot run on the {} engine", info.name, engine_name(engine)));
    for (unsigned i = 0; i < info.num_aps; ++i) {
      const AccessPattern &a = inst.ap[i];
      if (!a.present()) {
        if (info.aps[i].presence == FieldPresence::Required)
          return fail(fmt::format("required operand '{}' is missing", info.aps[i].name));
        continue;
      }
      if (auto e = check_ap(inst, i)) return e;
      if (engine != Engine::dma && a.mem == Memory::hbm)
        return fail(fmt::format("operand '{}': compute engines cannot address HBM (use dma_copy)", info.aps[i].name));
      if (engine == Engine::gpsimd && a.mem == Memory::psum)
        return fail(fmt::format("operand '{}': the GpSimd engine cannot access PSUM", info.aps[i].name));
    }
    if (auto e = check_attrs(inst)) return e;
    if (auto problem = check_alu_attrs(inst)) // the same rule the verifier and the front end apply
      return fail(fmt::format("{}: {}", info.attrs[problem->attr].name, problem->message));
    if (auto problem = check_operand_rules(inst, &target, engine)) return fail(problem->message);
    return check_op(inst);
  }
};

} // namespace

llvm::Error validate_for_simulation(const Program &program, const Target &target, uint64_t hbm_bytes) {
  Checker c{program, target, hbm_bytes};
  if (hbm_bytes < program.hbm_size)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "the HBM image has %llu bytes but the program needs %llu",
                                   (unsigned long long)hbm_bytes, (unsigned long long)program.hbm_size);
  if (program.cores < 1 || program.cores > target.max_cores)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "the program runs on %u physical cores; %s allows 1%s", unsigned(program.cores),
                                   target.name, target.max_cores >= 2 ? " or 2" : "");
  for (unsigned s = 0; s < program.streams.size(); ++s) {
    const StreamId id = program.streams[s].id;
    std::string bad;
    if (id.core >= program.cores)
      bad = fmt::format("on core {} but the program runs on {}", id.core, program.cores);
    else if (unsigned(id.engine) >= kNumEngines)
      bad = "an unknown engine";
    else if (id.engine == Engine::dma && id.queue >= target.dma_queues)
      bad = fmt::format("DMA queue {} but {} has {}", id.queue, target.name, target.dma_queues);
    else if (id.engine != Engine::dma && id.queue != 0)
      bad = "a compute engine with a queue number";
    for (unsigned t = 0; t < s && bad.empty(); ++t)
      if (program.streams[t].id == id) bad = "a duplicate of an earlier stream";
    if (!bad.empty()) return llvm::createStringError(llvm::inconvertibleErrorCode(), "stream %u is %s", s, bad.c_str());
  }
  for (unsigned s = 0; s < program.streams.size(); ++s) {
    c.stream = s;
    const Stream &st = program.streams[s];
    for (uint64_t i = 0; i < st.insts.size(); ++i) {
      c.index = i;
      if (auto e = c.check_inst(st.id.engine, st.insts[i])) return e;
      if (st.insts[i].op == Opcode::core_barrier && program.cores != 2)
        return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                       "stream %u instruction %llu: core_barrier in a one-core program", s,
                                       (unsigned long long)i);
    }
  }
  return llvm::Error::success();
}

} // namespace nk
