// The embeddable runtime API: load a program, bind inputs by name, run it on
// the simulated NeuronCore, read the outputs. nksim is a thin driver over it.
//
//   auto s = nk::Session::load("kernel.nkp");        // or from_program(...)
//   s->bind("q", q_tensor);                          // HostTensor, checked
//   s->bind_random(/*seed=*/1);                      // the rest, deterministic
//   auto stats = s->run();                           // SimStats
//   auto out = s->output("out");                     // HostTensor
//
// Assumes nothing about the program: it is verified for its target before
// running. Errors are llvm::Errors naming the file, tensor or instruction.
#pragma once

#include "runtime/hbm_binding.h"
#include "runtime/host_tensor.h"
#include "runtime/program.h"
#include "runtime/target.h"
#include "simulator/simulator.h"

#include "llvm/Support/Error.h"

#include <map>
#include <set>
#include <string>

namespace nk {

class Session {
public:
  // A binary program file or text assembly.
  static llvm::Expected<Session> load(llvm::StringRef path);
  // `target_name` empty: the program's own target; otherwise it must match.
  static llvm::Expected<Session> from_program(Program p, llvm::StringRef target_name = "");

  const Program &program() const { return program_; }
  const Target &target() const { return *target_; }

  // Binds input `name` (dtype and shape must match the program's tensor).
  llvm::Error bind(llvm::StringRef name, const HostTensorRef &t);
  // Binds input `name` to a .npy file, read straight into the HBM image
  // (runtime/hbm_binding.h: bind_input_npy). After an error the input is
  // not bound (its bytes in the image may be part of the file).
  llvm::Error bind_npy(llvm::StringRef name, llvm::StringRef path, const NpyReadOptions &opts = {});
  // Binds every input not yet bound to deterministic random data
  // (runtime/hbm_binding.h: random_tensor). The values are not written into
  // the HBM image: the simulator generates what the program reads
  // (DeferredInput), so a large random input costs no memory. An input
  // named in `scale_by_name` gets `scale` times that factor.
  void bind_random(uint64_t seed, double scale = 1.0, RandomDist dist = RandomDist::uniform,
                   const std::map<std::string, double> &scale_by_name = {});
  // The inputs bound so far, by name (what an oracle needs), read back from
  // the HBM image.
  std::map<std::string, HostTensor> inputs() const;
  // Elements [first, first + n) of input `name` widened to fp32, without
  // materialising it: a random input is generated, a bound one read from
  // the image. As bound only while the program has not written the tensor
  // (writes_input).
  llvm::Error read_input_f32(llvm::StringRef name, uint64_t first, uint64_t n, float *out) const;
  // Whether an instruction of the program may write HBM bytes of input `name`
  // (a hand-written program can; compiled kernels never do).
  bool writes_input(llvm::StringRef name) const;
  const std::set<std::string> &bound_inputs() const { return bound_; }

  // Verifies (unless `verify` is false) and simulates. Every input must be
  // bound first.
  llvm::Expected<SimStats> run(const SimOptions &opts = {}, SimTrace *trace = nullptr, bool verify = true);

  // Any tensor of the program by name (an output after run(), or an input).
  llvm::Expected<HostTensor> output(llvm::StringRef name) const;
  llvm::Expected<std::map<std::string, HostTensor>> outputs() const;
  // The HBM image. Random inputs (bind_random) are in it only where the
  // program wrote to them; read tensors through output()/inputs().
  const HbmImage &hbm() const { return hbm_; }

private:
  void note_bound(llvm::StringRef name); // bound now: no longer deferred
  Program program_;
  const Target *target_ = nullptr;
  HbmImage hbm_;
  std::vector<DeferredInput> deferred_; // bind_random's inputs
  std::set<std::string> bound_;
};

} // namespace nk
