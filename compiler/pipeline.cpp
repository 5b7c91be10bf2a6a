// The pass pipeline (see pipeline.h): the order, the dumps, the timers.
#include "compiler/pipeline.h"

#include "compiler/backend/passes.h"
#include "compiler/lir/verify.h"
#include "compiler/frontend/frontend.h"
#include "compiler/frontend/parser.h"
#include "compiler/lower/legalize.h"
#include "compiler/lower/unroll_loops.h"
#include "runtime/asm_printer.h"
#include "runtime/verifier.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Timer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <functional>

namespace nk {

namespace {

// What the program is at a point of the pipeline.
struct State {
  enum Stage { tir, lir, isa } stage = tir;
  tir::Module module;
  lir::Program lowered;
  Program program;
  // How far the order may depart from the source's (see ScheduleSetting).
  bool interleave = true;
  size_t window = lir::kDefaultScheduleWindow;
  // What the LIR verifier checks after each pass: what the input showed
  // plus what the passes run since guarantee.
  lir::VerifyStage reached;
};

struct Pass {
  const char *name;
  const char *description;
  std::function<llvm::Error(State &, const Target &)> run;
  bool on_lir = true; // runs on LIR (the back end), not Tile IR
};

llvm::Error ok() { return llvm::Error::success(); }

const std::vector<Pass> &passes() {
  static const std::vector<Pass> list = {
      {"unroll-loops", "expand every loop into straight-line Tile IR",
       [](State &s, const Target &) { return tir::unroll_loops(s.module, s.interleave); }, false},
      {"legalize", "map Tile IR ops onto ISA instructions over virtual buffers",
       [](State &s, const Target &t) -> llvm::Error {
         auto l = legalize(s.module, t);
         if (!l) return l.takeError();
         s.lowered = std::move(*l);
         s.module = tir::Module();
         s.stage = State::lir;
         return ok();
       },
       false},
      {"forward-copies", "write results straight into the slice a copy would move them to",
       [](State &s, const Target &t) {
         lir::forward_copies(s.lowered, t);
         return ok();
       }},
      {"elide-memsets", "drop memsets nothing reads; first PSUM accumulations overwrite instead",
       [](State &s, const Target &) {
         lir::elide_memsets(s.lowered);
         return ok();
       }},
      {"schedule", "place instructions on engines and order them by a cost-model list schedule",
       [](State &s, const Target &t) { return lir::schedule(s.lowered, t, s.window); }},
      {"assign-dma-queues", "spread DMA transfers over the queues",
       [](State &s, const Target &t) {
         lir::assign_dma_queues(s.lowered, t);
         return ok();
       }},
      {"allocate-memory", "give SBUF/PSUM addresses by liveness, rotating freed space",
       [](State &s, const Target &t) { return lir::allocate_memory(s.lowered, t); }},
      {"insert-semaphores", "synchronise every cross-stream dependency",
       [](State &s, const Target &t) { return lir::insert_semaphores(s.lowered, t); }},
      {"emit-program", "build and verify the per-stream program",
       [](State &s, const Target &t) -> llvm::Error {
         auto p = lir::emit_program(std::move(s.lowered), t);
         if (!p) return p.takeError();
         s.program = std::move(*p);
         s.lowered = lir::Program();
         s.stage = State::isa;
         return ok();
       }},
  };
  return list;
}

void dump(llvm::raw_ostream &os, const State &s, const char *when, const char *pass) {
  os << "; *** IR Dump " << when << ' ' << pass << " ***\n";
  switch (s.stage) {
  case State::tir: tir::print_module(os, s.module); break;
  case State::lir: lir::print_program(os, s.lowered); break;
  case State::isa: print_program(os, s.program); break;
  }
  os << '\n';
}

bool listed(const std::vector<std::string> &names, const char *pass) {
  return std::find(names.begin(), names.end(), pass) != names.end();
}

} // namespace

std::vector<std::string> pipeline_pass_names() {
  std::vector<std::string> names;
  for (const Pass &p : passes()) names.push_back(p.name);
  return names;
}

namespace {

// The orders the pipeline tries, from the most overlap to the source's own:
// interleaved parallel iterations and a wide list-schedule window keep more
// tiles live. When SBUF or PSUM runs out, the next, more conservative
// setting is tried, down to the source's order; so nkc never fails where
// the program-order schedule fits, and a kernel that fits easily keeps the
// aggressive schedule.
struct ScheduleSetting {
  bool interleave;
  size_t window;
};
constexpr ScheduleSetting kSettings[] = {
    {true, lir::kDefaultScheduleWindow}, {true, 64}, {false, 64}, {false, 8}, {false, 1}};

// The invariants that hold after a pass: its stage's (each pass's header).
std::string verify_after(const State &s, const Target &t) {
  if (s.stage == State::tir) return tir::verify_module(s.module, t);
  if (s.stage == State::isa) return ""; // emit-program verifies the Program itself
  return lir::verify_program(s.lowered, t, s.reached);
}

void mark_reached(State &s, llvm::StringRef pass) {
  if (pass == "schedule") s.reached.compute_placed = true;
  if (pass == "assign-dma-queues") s.reached.dma_placed = true;
  if (pass == "allocate-memory") s.reached.allocated = true;
}

bool is_sync(const lir::Inst &in) { return in.inst.op == Opcode::sem_wait || in.inst.op == Opcode::sem_signal; }

// What a back-end pass needs of its input beyond the LIR invariants (each
// pass's "Assumes"), for programs that did not come through the pipeline
// in order (a parsed .lir file): "" when it may run, else why not.
std::string precondition(llvm::StringRef pass, const lir::Program &p) {
  const bool reorders_or_allocates =
      pass == "forward-copies" || pass == "elide-memsets" || pass == "schedule" || pass == "allocate-memory";
  if (reorders_or_allocates)
    for (const lir::Buffer &b : p.buffers)
      if (b.allocated)
        return fmt::format("buffer %{} already has an address ({})", b.name,
                           pass == "allocate-memory" ? "allocate-memory has run"
                                                     : pass.str() + " must run before allocate-memory");
  if (pass != "emit-program")
    for (size_t i = 0; i < p.insts.size(); ++i)
      if (is_sync(p.insts[i]))
        return fmt::format("instruction #{} is a {}: the program already has its semaphores ({})", i,
                           op_info(p.insts[i].inst.op).name,
                           pass == "insert-semaphores" ? "insert-semaphores has run"
                                                       : pass.str() + " must run before insert-semaphores");
  if (pass == "insert-semaphores" || pass == "emit-program") {
    for (size_t i = 0; i < p.insts.size(); ++i)
      if (!p.insts[i].placed)
        return fmt::format("instruction #{} ({}) is not on a stream (run {} first)", i,
                           op_info(p.insts[i].inst.op).name,
                           p.insts[i].engines == engine_bit(Engine::dma) ? "assign-dma-queues" : "schedule");
    for (const lir::Inst &in : p.insts)
      for (lir::BufferId b : in.buffer)
        if (b != lir::kNoBuffer && b < p.buffers.size() && !p.buffers[b].allocated)
          return fmt::format("buffer %{} has no address (run allocate-memory first)", p.buffers[b].name);
  }
  return "";
}

// The same for the Tile IR passes: legalize needs straight-line Tile IR.
std::string tir_precondition(llvm::StringRef pass, const tir::Module &m) {
  if (pass != "legalize") return "";
  for (const tir::Op &op : m.body)
    if (op.kind == tir::OpKind::loop)
      return fmt::format("the loop at {}:{} is not unrolled (run unroll-loops first)", op.loc.line, op.loc.col);
  return "";
}

// Runs one pass with its dumps, timer and verification.
llvm::Error run_pass(const Pass &p, State &s, const Target &t, const PipelineOptions &opts, llvm::raw_ostream &os,
                     llvm::TimerGroup &group, bool verify_each) {
  if (opts.on_stage) opts.on_stage(p.name);
  if (opts.print_before_all || listed(opts.print_before, p.name)) dump(os, s, "Before", p.name);
  if ((p.on_lir && s.stage == State::lir) || (!p.on_lir && s.stage == State::tir)) {
    std::string why = s.stage == State::lir ? precondition(p.name, s.lowered) : tir_precondition(p.name, s.module);
    if (!why.empty())
      return llvm::createStringError(llvm::inconvertibleErrorCode(), "pass '%s' cannot run on this program: %s", p.name,
                                     why.c_str());
  }
  llvm::Timer timer(p.name, p.name, group);
  if (opts.time_passes) timer.startTimer();
  llvm::Error e = p.run(s, t);
  if (opts.time_passes) timer.stopTimer();
  if (e) return e;
  mark_reached(s, p.name);
  if (verify_each) {
    std::string problem = verify_after(s, t);
    if (!problem.empty())
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "internal compiler error: the IR does not verify after pass %s: %s", p.name,
                                     problem.c_str());
  }
  if (opts.print_after_all || listed(opts.print_after, p.name)) dump(os, s, "After", p.name);
  return llvm::Error::success();
}

bool verify_each_on(const PipelineOptions &opts) {
  const char *env = std::getenv("NK_VERIFY_EACH");
  return opts.verify_each || (env && std::string(env) == "1");
}

// The pipeline built this LIR from a kernel, so a Program the runtime
// verifier rejects is the compiler's fault.
llvm::Error internal_if_unverified(llvm::Error e) {
  return llvm::handleErrors(std::move(e), [](const lir::UnverifiedProgramError &u) -> llvm::Error {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "internal compiler error: the lowered program does not verify: %s",
                                   u.verifier_message().c_str());
  });
}

llvm::Expected<Program> run_once(const tir::Module &m, const Target &t, const PipelineOptions &opts,
                                 ScheduleSetting setting, llvm::raw_ostream &os, llvm::TimerGroup &group) {
  const bool verify_each = verify_each_on(opts);
  State s;
  s.module = m;
  s.interleave = setting.interleave;
  s.window = setting.window;
  for (const Pass &p : passes())
    if (llvm::Error e = run_pass(p, s, t, opts, os, group, verify_each)) return internal_if_unverified(std::move(e));
  return std::move(s.program);
}

// --print-after / --print-before name passes of the pipeline.
llvm::Error check_print_pass_names(const PipelineOptions &opts) {
  for (const std::string &n : opts.print_after)
    if (!listed(pipeline_pass_names(), n.c_str()))
      return llvm::createStringError(llvm::inconvertibleErrorCode(), "unknown pass '%s' in --print-after", n.c_str());
  for (const std::string &n : opts.print_before)
    if (!listed(pipeline_pass_names(), n.c_str()))
      return llvm::createStringError(llvm::inconvertibleErrorCode(), "unknown pass '%s' in --print-before", n.c_str());
  return llvm::Error::success();
}

} // namespace

llvm::Expected<Program> run_pipeline(const tir::Module &m, const Target &t, const PipelineOptions &opts) {
  if (llvm::Error e = check_print_pass_names(opts)) return e;
  llvm::raw_ostream &os = opts.dump ? *opts.dump : llvm::errs();
  llvm::TimerGroup group("nkc", "Pass execution timing report");
  // Settings at or beyond the one asked for, most overlap first.
  std::vector<ScheduleSetting> settings;
  for (const ScheduleSetting &st : kSettings)
    if (st.window <= opts.schedule_window && (opts.interleave || !st.interleave)) settings.push_back(st);
  if (settings.empty()) settings.push_back({false, 1});
  llvm::Expected<Program> result = llvm::createStringError(llvm::inconvertibleErrorCode(), "no schedule tried");
  for (size_t i = 0; i < settings.size(); ++i) {
    // Dumps and timings of the attempt that is kept only.
    std::string dumps;
    llvm::raw_string_ostream ds(dumps);
    const bool last = i + 1 == settings.size();
    llvm::consumeError(result.takeError());
    result = run_once(m, t, opts, settings[i], ds, group);
    if (result || last || !result.errorIsA<lir::OutOfMemoryError>()) {
      os << ds.str();
      if (opts.time_passes) {
        group.print(os);
        group.clear(); // printed once, here, not again when the group is destroyed
      }
      return result;
    }
    group.clear();
  }
  return result;
}

std::vector<std::string> lir_pass_names() {
  std::vector<std::string> names;
  for (const Pass &p : passes())
    if (p.on_lir) names.push_back(p.name);
  return names;
}

std::vector<std::string> remaining_lir_passes(const lir::Program &p) {
  const lir::VerifyStage r = lir::reached_stage(p);
  bool sems = false;
  for (const lir::Inst &in : p.insts) sems |= is_sync(in);
  std::vector<std::string> names;
  if (!r.compute_placed && !r.allocated && !sems) names = {"forward-copies", "elide-memsets", "schedule"};
  if (!r.dma_placed && !sems) names.push_back("assign-dma-queues");
  if (!r.allocated && !sems) names.push_back("allocate-memory");
  if (!sems) names.push_back("insert-semaphores");
  names.push_back("emit-program");
  return names;
}

std::vector<std::string> remaining_tir_passes(const tir::Module &m) {
  bool loops = false;
  for (const tir::Op &op : m.body) loops |= op.kind == tir::OpKind::loop;
  std::vector<std::string> names;
  for (const Pass &p : passes())
    if (loops || llvm::StringRef(p.name) != "unroll-loops") names.push_back(p.name);
  return names;
}

namespace {

// Runs the named passes on `s` (a parsed file's IR): one code path for .tir
// and .lir files. Each name must be a pass whose IR the program has when
// its turn comes (`input` names the file kind for the messages).
llvm::Expected<PassResult> run_named_passes(State s, const std::vector<std::string> &names, const Target &t,
                                            const PipelineOptions &opts) {
  const bool from_tir = s.stage == State::tir;
  State::Stage stage = s.stage;
  std::vector<const Pass *> todo;
  for (const std::string &n : names) {
    auto it = std::find_if(passes().begin(), passes().end(), [&](const Pass &q) { return n == q.name; });
    if (it == passes().end() || (!from_tir && !it->on_lir)) {
      std::string known;
      for (const std::string &l : from_tir ? pipeline_pass_names() : lir_pass_names())
        known += (known.empty() ? "" : ", ") + l;
      return llvm::createStringError(llvm::inconvertibleErrorCode(), "%s pass '%s' (a .%s file can run: %s)",
                                     it == passes().end() ? "unknown" : "no LIR", n.c_str(),
                                     from_tir ? static_cast<const char *>("tir") : static_cast<const char *>("lir"),
                                     known.c_str());
    }
    if (stage == State::isa)
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "pass '%s' after emit-program: emit-program turns the LIR into the final program, "
                                     "so it comes last",
                                     n.c_str());
    if (stage == State::lir && !it->on_lir)
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "pass '%s' after legalize: it runs on Tile IR, and legalize made the module LIR",
                                     n.c_str());
    if (stage == State::tir && it->on_lir)
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "pass '%s' runs on LIR: run legalize before it (legalize turns Tile IR into LIR)",
                                     n.c_str());
    if (llvm::StringRef(it->name) == "legalize") stage = State::lir;
    if (llvm::StringRef(it->name) == "emit-program") stage = State::isa;
    todo.push_back(&*it);
  }
  if (llvm::Error e = check_print_pass_names(opts)) return e;
  llvm::raw_ostream &os = opts.dump ? *opts.dump : llvm::errs();
  llvm::TimerGroup group("nkc", "Pass execution timing report");
  s.window = opts.schedule_window;
  s.interleave = opts.interleave;
  for (const Pass *q : todo)
    if (llvm::Error e = run_pass(*q, s, t, opts, os, group, verify_each_on(opts))) return e;
  if (opts.time_passes) {
    group.print(os);
    group.clear();
  }
  PassResult r;
  if (s.stage == State::isa)
    r.program = std::move(s.program);
  else if (s.stage == State::lir)
    r.lir = std::move(s.lowered);
  else
    r.tir = std::move(s.module);
  return r;
}

} // namespace

llvm::Expected<PassResult> run_lir_passes(lir::Program p, const std::vector<std::string> &names, const Target &t,
                                          const PipelineOptions &opts) {
  State s;
  s.stage = State::lir;
  s.reached = lir::reached_stage(p);
  s.lowered = std::move(p);
  return run_named_passes(std::move(s), names, t, opts);
}

llvm::Expected<PassResult> run_tir_passes(tir::Module m, const std::vector<std::string> &names, const Target &t,
                                          const PipelineOptions &opts) {
  State s;
  s.stage = State::tir;
  s.module = std::move(m);
  return run_named_passes(std::move(s), names, t, opts);
}

namespace {

// A kernel's LNC degree is its size `cores` (default 1: a kernel that does
// not declare it runs on one core); its physical core index is the size
// `core`, which the compiler binds. With cores = 2 the kernel is compiled
// once per core, `core` = 0 and 1, as NKI specialises a kernel per
// program_id, and the two programs become one: core 1's streams join core
// 0's, over the same HBM tensors. `build` runs the front end for a set of
// defines.
llvm::Expected<Program>
compile_per_core(const std::function<llvm::Expected<tir::Module>(const std::map<std::string, int64_t> &)> &build,
                 const std::map<std::string, int64_t> &defines, const Target &t, const PipelineOptions &opts) {
  auto err = [](const std::string &m) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "%s", m.c_str());
  };
  if (defines.count("core"))
    return err("'core' is the physical core a kernel is compiled for; the compiler binds it for each of the kernel's "
               "`cores`, so it cannot be given with -D");
  auto mod = build(defines);
  if (!mod) return mod.takeError();
  int64_t cores = 1;
  bool declares_core = false;
  for (const auto &[name, value] : mod->sizes) {
    if (name == "cores") cores = value;
    if (name == "core") declares_core = true;
  }
  if (cores == 1) return run_pipeline(*mod, t, opts);
  if (cores < 1 || cores > int64_t(t.max_cores))
    return err(fmt::format("kernel '{}' runs on cores = {}, but {} ({}) groups {}", mod->kernel, cores, t.name,
                           t.description,
                           t.max_cores == 1 ? "no physical cores into a logical core (cores must be 1)"
                                            : "1 or 2 physical cores into a logical core"));
  if (!declares_core)
    return err(fmt::format("kernel '{}' runs on cores = {} but does not declare the size 'core' (its physical core "
                           "index): both cores would do the same work",
                           mod->kernel, cores));
  Program merged;
  auto barriers = [](const Program &p) {
    size_t n = 0;
    for (const Stream &st : p.streams)
      for (const Instruction &in : st.insts) n += in.op == Opcode::core_barrier;
    return n;
  };
  size_t core0_barriers = 0;
  for (int64_t c = 0; c < cores; ++c) {
    std::map<std::string, int64_t> d = defines;
    d["core"] = c;
    auto m = build(d);
    if (!m) return m.takeError();
    auto p = run_pipeline(*m, t, opts);
    if (!p) return p.takeError();
    // The n-th core_barrier of one core meets the n-th of the other: a core
    // that reaches fewer leaves the other waiting forever.
    if (c == 0) {
      core0_barriers = barriers(*p);
    } else if (barriers(*p) != core0_barriers) {
      return err(fmt::format("kernel '{}': core 0 reaches {} isa.core_barrier{} and core {} reaches {}; both cores "
                             "must reach the same number (else one waits forever at its last)",
                             mod->kernel, core0_barriers, core0_barriers == 1 ? "" : "s", c, barriers(*p)));
    }
    if (c == 0) {
      merged = std::move(*p);
      merged.cores = uint8_t(cores);
      continue;
    }
    if (p->tensors != merged.tensors || p->hbm_size != merged.hbm_size)
      return err(fmt::format("kernel '{}': core {} declares different HBM tensors than core 0 (a tensor's shape "
                             "depends on 'core'); both cores share one set",
                             mod->kernel, c));
    for (Stream &st : p->streams) {
      st.id.core = uint8_t(c);
      merged.streams.push_back(std::move(st));
    }
  }
  if (auto e = verify_program(merged, t)) return e;
  return merged;
}

} // namespace

llvm::Expected<Program> compile_tile_file(llvm::StringRef path, const std::map<std::string, int64_t> &defines,
                                          const Target &t, const PipelineOptions &opts, llvm::raw_ostream &err) {
  auto buf = llvm::MemoryBuffer::getFileOrSTDIN(path, /*IsText=*/true);
  if (!buf)
    return llvm::createStringError(buf.getError(), "cannot read '%s': %s", path.str().c_str(),
                                   buf.getError().message().c_str());
  llvm::SourceMgr sm;
  unsigned id = sm.AddNewSourceBuffer(std::move(*buf), llvm::SMLoc());
  DiagnosticEngine diags(sm, err);
  return compile_per_core(
      [&](const std::map<std::string, int64_t> &d) {
        if (opts.on_stage) opts.on_stage("front-end");
        return build_tile_ir(sm, id, d, t, diags);
      },
      defines, t, opts);
}

llvm::Expected<Program> compile_tile_source(llvm::StringRef text, llvm::StringRef name,
                                            const std::map<std::string, int64_t> &defines, const Target &t,
                                            const PipelineOptions &opts, llvm::raw_ostream &err) {
  llvm::SourceMgr sm;
  unsigned id = sm.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(text, name), llvm::SMLoc());
  DiagnosticEngine diags(sm, err);
  return compile_per_core(
      [&](const std::map<std::string, int64_t> &d) {
        if (opts.on_stage) opts.on_stage("front-end");
        return build_tile_ir(sm, id, d, t, diags);
      },
      defines, t, opts);
}

} // namespace nk
