// The compiler's pass pipeline, in one place (pipeline.cpp lists the order):
// it reads as the table of contents of the compiler.
//
//   unroll-loops        Tile IR -> flat Tile IR            (lower/unroll_loops)
//   legalize            flat Tile IR -> LIR                (lower/legalize)
//   schedule            LIR: engines and order             (backend/schedule)
//   assign-dma-queues   LIR: DMA queues                    (backend/assign_dma_queues)
//   allocate-memory     LIR: SBUF/PSUM addresses           (backend/allocate_memory)
//   insert-semaphores   LIR: cross-stream synchronisation  (backend/insert_semaphores)
//   emit-program        LIR -> runtime Program (verified)  (backend/emit_program)
//
// Each pass also runs alone on a parsed file (.tir from unroll-loops on,
// .lir from elide-memsets on): run_tir_passes, run_lir_passes.
// Options mirror LLVM opt's: --print-after-all, --print-before-all,
// --print-after=PASS, --print-before=PASS, --time-passes.
#pragma once

#include "compiler/lir/lir.h"
#include "compiler/tir/tir.h"
#include "runtime/program.h"
#include "runtime/target.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace nk {

struct PipelineOptions {
  bool print_after_all = false;
  bool print_before_all = false;
  std::vector<std::string> print_after;
  std::vector<std::string> print_before;
  bool time_passes = false;
  // The most overlap the compiler may try: the list schedule's lookahead
  // (instructions) and whether parallel iterations interleave. When tiles
  // do not fit in SBUF/PSUM it falls back to less, down to the source's
  // order (window 1, no interleaving: --schedule=in-order).
  size_t schedule_window = 512;
  bool interleave = true;            // interleave parallel loops' iterations
  llvm::raw_ostream *dump = nullptr; // where dumps and timings go (default: errs())
  // Verify the IR after every pass (Tile IR: tir::verify_module; LIR:
  // lir::verify_program at the pass's stage); a failure is an internal
  // compiler error naming the pass. Also on when NK_VERIFY_EACH=1 is in the
  // environment (ctest sets it for every test).
  bool verify_each = false;
  // Called before the front end ("front-end") and before each pass, with
  // its name (progress display: tools/progress.h). May be empty.
  std::function<void(llvm::StringRef stage)> on_stage;
};

// Names of the passes, in order.
std::vector<std::string> pipeline_pass_names();

// Runs every pass on a Tile IR module (as built by the front end).
llvm::Expected<Program> run_pipeline(const tir::Module &m, const Target &t, const PipelineOptions &opts);

// The passes on their own, on IR from anywhere: Tile IR (a parsed .tir
// file: compiler/tir/parse.h) or LIR (a parsed .lir file:
// compiler/lir/parse.h). The LIR passes' names, in pipeline order.
std::vector<std::string> lir_pass_names();
// What running passes leaves: the IR at the stage the last pass reached
// (Tile IR, LIR, or the final Program once emit-program has run).
struct PassResult {
  std::optional<tir::Module> tir; // still Tile IR (legalize has not run)
  lir::Program lir;
  std::optional<Program> program;
};
using LirResult = PassResult;
// Runs the named LIR passes in the order given (emit-program only last).
// Each pass first checks what it needs that the program may lack when it
// did not come through the pipeline in order (placed instructions,
// addresses, no semaphores yet...): an error names what is missing and the
// pass that provides it. --verify-each checks the stage the input showed
// plus what the passes run guarantee. schedule uses opts.schedule_window.
llvm::Expected<PassResult> run_lir_passes(lir::Program p, const std::vector<std::string> &names, const Target &t,
                                          const PipelineOptions &opts);
// The same from Tile IR: any passes of the pipeline, in an order where each
// gets the IR it runs on (Tile IR passes before legalize, LIR passes after
// it). legalize refuses a module that still has loops (run unroll-loops
// first). unroll-loops interleaves parallel iterations unless
// opts.interleave is false.
llvm::Expected<PassResult> run_tir_passes(tir::Module m, const std::vector<std::string> &names, const Target &t,
                                          const PipelineOptions &opts);
// The passes whose effect `p` does not show yet, ending with emit-program
// (what `nkc compile FILE.lir` runs): elide-memsets and schedule unless
// compute instructions are placed, assign-dma-queues unless DMA transfers
// are, allocate-memory unless buffers have addresses, insert-semaphores
// unless there are semaphore instructions.
std::vector<std::string> remaining_lir_passes(const lir::Program &p);
// The same for Tile IR (what `nkc compile FILE.tir` runs): every pass,
// without unroll-loops when the module has no loops left.
std::vector<std::string> remaining_tir_passes(const tir::Module &m);

// Front end + pipeline: compiles the .tile file at `path`. Source errors are
// printed clang-style on `err` and returned as an Error; `defines` bind
// size parameters.
llvm::Expected<Program> compile_tile_file(llvm::StringRef path, const std::map<std::string, int64_t> &defines,
                                          const Target &t, const PipelineOptions &opts, llvm::raw_ostream &err);
// The same from source text; `name` is the file name diagnostics show.
llvm::Expected<Program> compile_tile_source(llvm::StringRef text, llvm::StringRef name,
                                            const std::map<std::string, int64_t> &defines, const Target &t,
                                            const PipelineOptions &opts, llvm::raw_ostream &err);

} // namespace nk
