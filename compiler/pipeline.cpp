// The pass pipeline (see pipeline.h): the order, the dumps, the timers.
#include "compiler/pipeline.h"

#include "compiler/backend/passes.h"
#include "compiler/frontend/frontend.h"
#include "compiler/frontend/parser.h"
#include "compiler/lower/legalize.h"
#include "compiler/lower/unroll_loops.h"
#include "runtime/asm_printer.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Timer.h"

#include <algorithm>
#include <functional>

namespace nk {

namespace {

// What the program is at a point of the pipeline.
struct State {
  enum Stage { tir, lir, isa } stage = tir;
  tir::Module module;
  lir::Program lowered;
  Program program;
};

struct Pass {
  const char *name;
  const char *description;
  std::function<llvm::Error(State &, const Target &)> run;
};

llvm::Error ok() { return llvm::Error::success(); }

const std::vector<Pass> &passes() {
  static const std::vector<Pass> list = {
      {"unroll-loops", "expand every loop into straight-line Tile IR",
       [](State &s, const Target &) { tir::unroll_loops(s.module); return ok(); }},
      {"legalize", "map Tile IR ops onto ISA instructions over virtual buffers",
       [](State &s, const Target &t) -> llvm::Error {
         auto l = legalize(s.module, t);
         if (!l) return l.takeError();
         s.lowered = std::move(*l);
         s.module = tir::Module();
         s.stage = State::lir;
         return ok();
       }},
      {"elide-memsets", "drop memsets nothing reads; first PSUM accumulations overwrite instead",
       [](State &s, const Target &) { lir::elide_memsets(s.lowered); return ok(); }},
      {"schedule", "place instructions on engines and order them by a cost-model list schedule",
       [](State &s, const Target &t) { lir::schedule(s.lowered, t); return ok(); }},
      {"assign-dma-queues", "spread DMA transfers over the queues",
       [](State &s, const Target &t) { lir::assign_dma_queues(s.lowered, t); return ok(); }},
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

llvm::Expected<Program> run_pipeline(tir::Module m, const Target &t, const PipelineOptions &opts) {
  for (const std::string &n : opts.print_after)
    if (!listed(pipeline_pass_names(), n.c_str()))
      return llvm::createStringError(llvm::inconvertibleErrorCode(), "unknown pass '%s' in --print-after", n.c_str());
  for (const std::string &n : opts.print_before)
    if (!listed(pipeline_pass_names(), n.c_str()))
      return llvm::createStringError(llvm::inconvertibleErrorCode(), "unknown pass '%s' in --print-before", n.c_str());
  llvm::raw_ostream &os = opts.dump ? *opts.dump : llvm::errs();
  State s;
  s.module = std::move(m);
  llvm::TimerGroup group("nkc", "Pass execution timing report");
  std::vector<std::unique_ptr<llvm::Timer>> timers;
  for (const Pass &p : passes()) {
    if (opts.print_before_all || listed(opts.print_before, p.name)) dump(os, s, "Before", p.name);
    timers.push_back(std::make_unique<llvm::Timer>(p.name, p.name, group));
    if (opts.time_passes) timers.back()->startTimer();
    llvm::Error e = p.run(s, t);
    if (opts.time_passes) timers.back()->stopTimer();
    if (e) return e;
    if (opts.print_after_all || listed(opts.print_after, p.name)) dump(os, s, "After", p.name);
  }
  if (opts.time_passes) {
    group.print(os);
    group.clear();  // printed once, here, not again when the group is destroyed
  }
  return std::move(s.program);
}

llvm::Expected<Program> compile_tile_file(llvm::StringRef path, const std::map<std::string, int64_t> &defines,
                                          const Target &t, const PipelineOptions &opts, llvm::raw_ostream &err) {
  auto buf = llvm::MemoryBuffer::getFileOrSTDIN(path, /*IsText=*/true);
  if (!buf)
    return llvm::createStringError(buf.getError(), "cannot read '%s': %s", path.str().c_str(),
                                   buf.getError().message().c_str());
  llvm::SourceMgr sm;
  unsigned id = sm.AddNewSourceBuffer(std::move(*buf), llvm::SMLoc());
  DiagnosticEngine diags(sm, err);
  auto mod = build_tile_ir(sm, id, defines, t, diags);
  if (!mod) return mod.takeError();
  return run_pipeline(std::move(*mod), t, opts);
}

} // namespace nk
