// Program verifier (see verifier.h). Generic rules come from the ISA table
// (engine masks, operand presence and roles); per-opcode shape, dtype and
// memory rules from runtime/operand_rules.cpp, shared with the front end and
// the simulator; addresses (bounds, PSUM banks) are checked here. Every
// bound is computed in 128-bit-safe integer arithmetic so hostile programs
// cannot overflow the checks.
#include "runtime/verifier.h"
#include "runtime/operand_rules.h"

#include <fmt/format.h>

#include <algorithm>

namespace nk {

namespace {

class Verifier {
public:
  Verifier(const Program &p, const Target &t, size_t max) : prog(p), target(t), max_errors(max) {}

  std::vector<std::string> run() {
    check_header();
    for (const Stream &s : prog.streams) {
      if (s.id.core >= prog.cores)
        report_stream(s, fmt::format("core {} does not exist: the program runs on {} physical core{} (.cores)",
                                     s.id.core, prog.cores, prog.cores == 1 ? "" : "s"));
      if (s.id.engine == Engine::dma && s.id.queue >= target.dma_queues)
        report_stream(s, fmt::format("DMA queue {} does not exist on {} (it has {} queues)", s.id.queue, target.name,
                                     target.dma_queues));
      for (size_t i = 0; i < s.insts.size() && errors.size() < max_errors; ++i) {
        where.clear(); // formatted only if this instruction has a problem
        cur_stream = &s;
        cur_index = i;
        check_instruction(s.id.engine, s.insts[i]);
      }
    }
    return std::move(errors);
  }

private:
  const Program &prog;
  const Target &target;
  size_t max_errors;
  std::vector<std::string> errors;
  std::string where;
  const Stream *cur_stream = nullptr;
  size_t cur_index = 0;

  void report(const std::string &msg) {
    if (errors.size() >= max_errors) return;
    if (where.empty() && cur_stream)
      where = fmt::format("stream {}, #{} ({})", stream_name(cur_stream->id), cur_index,
                          op_info(cur_stream->insts[cur_index].op).name);
    errors.push_back(where + ": " + msg);
  }
  void report_stream(const Stream &s, const std::string &msg) {
    if (errors.size() < max_errors) errors.push_back("stream " + stream_name(s.id) + ": " + msg);
  }

  static bool is_identifier(const std::string &s) {
    if (s.empty() || !(std::isalpha((unsigned char)s[0]) || s[0] == '_')) return false;
    return std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum((unsigned char)c) || c == '_'; });
  }

  void check_header() {
    where = "program";
    if (!is_identifier(prog.kernel)) report(fmt::format("kernel name '{}' is not an identifier", prog.kernel));
    if (prog.target != target.name)
      report(fmt::format("program is built for target '{}' but is being checked for '{}'", prog.target, target.name));
    if (prog.cores < 1 || prog.cores > target.max_cores)
      report(fmt::format("runs on {} physical cores (.cores); {} allows 1{} (its LNC degree)", unsigned(prog.cores),
                         target.name, target.max_cores >= 2 ? " or 2" : ""));
    if (prog.hbm_size > target.hbm_bytes)
      report(fmt::format("needs {} bytes of HBM (.hbm_size), more than the {}", prog.hbm_size, hbm_capacity(target)));
    for (size_t i = 0; i < prog.tensors.size(); ++i) {
      const TensorDecl &t = prog.tensors[i];
      where = "tensor '" + t.name + "'";
      if (!is_identifier(t.name)) report("name is not an identifier");
      for (size_t j = 0; j < i; ++j)
        if (prog.tensors[j].name == t.name) report("declared twice");
      __int128 bytes = dtype_size(t.dtype);
      bool bad_dim = false;
      for (int64_t d : t.shape) {
        if (d < 0)
          bad_dim = true;
        else
          bytes *= d;
        if (bytes > (__int128(1) << 62)) bad_dim = true;
      }
      if (bad_dim) {
        report("has a negative or absurdly large shape");
        continue;
      }
      if (__int128(t.hbm_offset) + bytes > __int128(prog.hbm_size))
        report(fmt::format("bytes [{}, {}) lie outside HBM ({} bytes)", t.hbm_offset, uint64_t(t.hbm_offset + bytes),
                           prog.hbm_size));
      for (size_t j = 0; j < i; ++j) {
        const TensorDecl &o = prog.tensors[j];
        __int128 ob = __int128(o.size_bytes());
        if (bytes && ob && __int128(t.hbm_offset) < __int128(o.hbm_offset) + ob &&
            __int128(o.hbm_offset) < __int128(t.hbm_offset) + bytes)
          report("overlaps tensor '" + o.name + "' in HBM");
      }
    }
  }

  // Byte extent [lo, hi) of `a` within one partition (on chip) or in HBM.
  static std::pair<__int128, __int128> extent(const AccessPattern &a) {
    __int128 lo = a.offset, hi = a.offset;
    for (unsigned i = 0; i < a.num_dims; ++i) {
      __int128 span = __int128(a.dims[i].stride) * (__int128(a.dims[i].count) - 1) * dtype_size(a.dtype);
      if (span < 0)
        lo += span;
      else
        hi += span;
    }
    return {lo, hi + dtype_size(a.dtype)};
  }

  bool check_ap(Engine engine, const char *field, const AccessPattern &a) {
    bool ok = true;
    auto bad = [&](const std::string &m) {
      report(fmt::format("{} {}", field, m));
      ok = false;
    };
    // More dims than an access pattern holds: nothing else about it can be
    // read (an in-memory Program can say anything; the decoder refuses it).
    const unsigned max_dims = a.on_chip() ? kMaxFreeDims : kMaxHbmDims;
    if (a.num_dims > max_dims) {
      bad(fmt::format("has {} {}dims (at most {})", a.num_dims, a.on_chip() ? "free " : "", max_dims));
      return false;
    }
    for (unsigned i = 0; i < a.num_dims; ++i)
      if (a.dims[i].count == 0) bad(fmt::format("dimension {} has count 0", i));
    if (a.on_chip()) {
      if (a.num_partitions == 0) bad("addresses no partitions");
      if (unsigned(a.start_partition) + a.num_partitions > target.partitions)
        bad(fmt::format("partitions [{}, {}) exceed the {} partitions", a.start_partition,
                        unsigned(a.start_partition) + a.num_partitions, target.partitions));
      uint64_t cap = a.mem == Memory::sbuf ? target.sbuf_bytes_per_partition : target.psum_bytes_per_partition;
      auto [lo, hi] = extent(a);
      if (lo < 0 || hi > __int128(cap))
        bad(fmt::format("bytes [{}, {}) per partition lie outside {} ({} bytes per partition)", int64_t(lo),
                        int64_t(std::min<__int128>(hi, INT64_MAX)), memory_name(a.mem), cap));
      if (engine != Engine::dma && a.num_partitions > 0) {
        unsigned n = a.num_partitions, s = a.start_partition;
        bool aligned = n > 64 ? s == 0 : n > 32 ? (s == 0 || s == 64) : (s % 32 == 0);
        if (!aligned)
          bad(fmt::format("starts at partition {}: a compute-engine access of {} partitions "
                          "must start at {}",
                          s, n,
                          n > 64   ? "0"
                          : n > 32 ? "0 or 64"
                                   : "0, 32, 64 or 96"));
      }
      if (a.mem == Memory::psum && engine == Engine::gpsimd) bad("is in PSUM, which GpSimd cannot access");
    } else {
      if (engine != Engine::dma) bad("is in HBM; only DMA queues access HBM");
      auto [lo, hi] = extent(a);
      if (lo < 0 || hi > __int128(prog.hbm_size))
        bad(fmt::format("bytes [{}, {}) lie outside HBM ({} bytes)", int64_t(std::max<__int128>(lo, INT64_MIN)),
                        int64_t(std::min<__int128>(hi, INT64_MAX)), prog.hbm_size));
    }
    return ok;
  }

public:
  // Checks one instruction as if it ran on `engine`; true when it passes.
  bool instruction_ok(Engine engine, const Instruction &inst) {
    errors.clear();
    where = "instruction";
    check_instruction(engine, inst);
    return errors.empty();
  }

private:
  void check_instruction(Engine engine, const Instruction &inst) {
    const OpInfo &info = op_info(inst.op);
    if (!(info.engines & engine_bit(engine))) {
      std::string can;
      for (unsigned e = 0; e < kNumEngines; ++e)
        if (info.engines & (1u << e)) can += std::string(can.empty() ? "" : ", ") + std::string(engine_name(Engine(e)));
      report(fmt::format("the {} engine cannot run {} (it runs on: {})", engine_name(engine), info.name, can));
      return;
    }
    bool ok = true;
    for (unsigned i = 0; i < info.num_aps; ++i) {
      if (!inst.ap[i].present()) {
        if (info.aps[i].presence == FieldPresence::Required) {
          report(fmt::format("missing required operand '{}'", info.aps[i].name));
          ok = false;
        }
        continue;
      }
      // Bounds hold for every address the operand may take (an indirect
      // DMA's every legal index: operand_envelope).
      ok &= check_ap(engine, info.aps[i].name, operand_envelope(inst, i));
    }
    for (unsigned i = 0; i < info.num_attrs; ++i)
      if (info.attrs[i].kind == AttrKind::Sem && uint64_t(inst.attr[i].i) >= target.num_semaphores) {
        report(
            fmt::format("semaphore {} does not exist ({} has {})", inst.attr[i].i, target.name, target.num_semaphores));
        ok = false;
      }
    if (auto problem = check_alu_attrs(inst)) { // isa.def's NK_ALU_RULE rows
      report(fmt::format("{}: {}", info.attrs[problem->attr].name, problem->message));
      ok = false;
    }
    if (!ok) return;                                                 // the operand rules assume well-formed operands
    if (auto problem = check_operand_rules(inst, &target, engine)) { // runtime/operand_rules.h
      report(problem->message);
      return;
    }
    // The Tensor engine writes PSUM one bank at a time (an address rule:
    // the front end cannot see it).
    if (engine == Engine::tensor)
      for (unsigned i = 0; i < info.num_aps; ++i)
        if (operand_writes(inst, i) && inst.ap[i].present()) within_psum_bank(inst, i);
    if (inst.op == Opcode::sem_signal || inst.op == Opcode::sem_wait) {
      if (inst.get_int(attr::sem_signal::value) < 0) report("value must not be negative");
    }
    if (inst.op == Opcode::core_barrier && prog.cores != 2)
      report("core_barrier synchronises the two physical cores of a logical core; this program runs on one (.cores)");
  }

  void within_psum_bank(const Instruction &inst, unsigned s) {
    const AccessPattern &a = inst.ap[s];
    if (a.mem != Memory::psum) return;
    auto [lo, hi] = extent(a);
    __int128 bank = target.psum_bank_bytes();
    if (lo / bank != (hi - 1) / bank)
      report(fmt::format("{} bytes [{}, {}) cross a PSUM bank boundary (banks are {} bytes)",
                         op_info(inst.op).aps[s].name, int64_t(lo), int64_t(hi), uint64_t(bank)));
  }
};

} // namespace

std::vector<std::string> find_verifier_errors(const Program &p, const Target &t, size_t max_errors) {
  return Verifier(p, t, max_errors).run();
}

EngineMask legal_engines(const Instruction &inst, EngineMask candidates, const Target &t) {
  // HBM bounds and the core count depend on the program; with an
  // effectively unbounded HBM and two cores (core_barrier's) only the
  // engine-, memory- and shape-dependent rules decide.
  static const Program unbounded = [] {
    Program p;
    p.hbm_size = uint64_t(1) << 62;
    p.cores = 2;
    return p;
  }();
  Verifier v(unbounded, t, 1);
  EngineMask ok = 0;
  for (unsigned e = 0; e < kNumEngines; ++e)
    if ((candidates & (1u << e)) && v.instruction_ok(Engine(e), inst)) ok |= EngineMask(1u << e);
  return ok;
}

llvm::Error verify_program(const Program &p, const Target &t) {
  auto errors = find_verifier_errors(p, t);
  if (errors.empty()) return llvm::Error::success();
  std::string msg = "invalid program:";
  for (const std::string &e : errors) msg += "\n  " + e;
  if (errors.size() >= 100) msg += "\n  (more errors not shown)";
  return llvm::createStringError(llvm::inconvertibleErrorCode(), "%s", msg.c_str());
}

} // namespace nk
