// What each instruction computes: the functional half of the simulator,
// free of timing and hazard concerns (the Spike split: semantics here, the
// timing model in scheduler.cpp, hazard checks in hazards.cpp).
//
// Assumes: the instruction passed validate_for_simulation (shapes agree,
// every AP inside its memory), and semaphore instructions are handled by
// the scheduler, not here.
// Guarantees: the per-op semantics of docs/simulator.md ("Instruction
// semantics"); work is done partition row by partition row through reused
// scratch buffers, with no allocation once they have grown.
#pragma once

#include "simulator/background_fill.h"
#include "simulator/memories.h"

#include <array>
#include <optional>
#include <utility>
#include <cmath>
#include <vector>

namespace nk {

class Executor {
public:
  // `pe_transpose_bit_accurate`: nc_matmul is_transpose moves NaN, Inf and
  // -0 unchanged (Target::pe_transpose_bit_accurate).
  // `fill` (may be null: everything on the calling thread): the thread that
  // makes large random tile loads while the simulation goes on.
  Executor(Memories &mem, bool pe_transpose_bit_accurate, BackgroundFill *fill = nullptr)
      : mem_(mem), pe_transpose_bit_accurate_(pe_transpose_bit_accurate), fill_(fill) {}
  // Returns once no background fill still writes bytes an on-chip operand
  // of `inst` covers (its hull). Called before anything reads an
  // instruction's operands (the scheduler's indirect-index reads too) or
  // writes them.
  void await_operands(const Instruction &inst);
  // Returns once every background fill has finished (the run's end).
  void await_all();
  // `engine`: the engine running it (only tensor_tensor's GpSimd integer
  // ops compute differently: in integers, not fp32).
  void execute(const Instruction &inst, Engine engine = Engine::vector);

  // The first input of the last activation outside its function's valid
  // range (act_valid_range), for the scheduler to report; cleared by take.
  struct ActRangeViolation {
    ActFunc func;
    float value;
    unsigned partition; // within the instruction's access pattern
    uint64_t element;   // flat free index
  };
  std::optional<ActRangeViolation> take_act_violation() { return std::exchange(act_violation_, std::nullopt); }

  // The first value other than 0 and 1 in an nc_matmul operand hinted
  // is_stationary_onezero / is_moving_onezero, or the first element of a
  // moving operand hinted is_transpose that is not the identity's, for the
  // scheduler to report; cleared by take.
  struct OnezeroViolation {
    unsigned field; // ap::nc_matmul::stationary or ::moving
    bool identity;  // is_transpose's promise (moving the identity) broken
    float value;
    unsigned partition; // within the operand's access pattern
    uint64_t element;   // flat free index
  };
  std::optional<OnezeroViolation> take_onezero_violation() { return std::exchange(onezero_violation_, std::nullopt); }

private:
  void dma_copy(const Instruction &inst);
  void dma_accumulate(const Instruction &inst);
  void nc_matmul(const Instruction &inst);
  void nc_transpose(const Instruction &inst, Engine engine);
  bool moved_by_identity_matmul(const AccessPattern &src);
  void tensor_copy(const Instruction &inst);
  void tensor_tensor(const Instruction &inst, Engine engine);
  void tensor_scalar(const Instruction &inst);
  void tensor_scalar_reduce(const Instruction &inst);
  void tensor_reduce(const Instruction &inst);
  void activation(const Instruction &inst);
  void iota(const Instruction &inst);
  void memset(const Instruction &inst);
  void affine_select(const Instruction &inst);
  void select(const Instruction &inst);
  void tensor_tensor_scan(const Instruction &inst);
  void bn_stats(const Instruction &inst);
  void bn_aggr(const Instruction &inst);
  void max8(const Instruction &inst);
  void nc_find_index8(const Instruction &inst);
  void scalar_tensor_tensor(const Instruction &inst);
  void reciprocal(const Instruction &inst);
  void tensor_partition_reduce(const Instruction &inst);
  void nc_match_replace8(const Instruction &inst);
  void sequence_bounds(const Instruction &inst);
  void dropout(const Instruction &inst);
  void local_gather(const Instruction &inst);
  void tensor_copy_dynamic(const Instruction &inst);
  void range_select(const Instruction &inst);
  void select_reduce(const Instruction &inst);

  std::optional<ActRangeViolation> act_violation_;
  std::optional<OnezeroViolation> onezero_violation_;
  void check_onezero(const AccessPattern &a, unsigned field);
  void check_identity(const AccessPattern &a, unsigned field);
  // dst (+)= stationary^T @ V, V the moving operand's fp32 values, K rows
  // of matmul_moving_stride(N) (in b_).
  void matmul_into(const AccessPattern &dst, const AccessPattern &st, const float *V, uint64_t N, bool accumulate);
  // dst (+)= src^T, values moved (nc_transpose; nc_matmul is_transpose on
  // a bit-accurate target).
  void transpose_values(const AccessPattern &dst, const AccessPattern &src, bool accumulate);
  float load_scalar(const AccessPattern &a, unsigned row);
  void copy_raw(const AccessPattern &dst, const AccessPattern &src);
  bool touches_deferred(const AccessPattern &hbm_operand) const;
  void materialize_deferred(const AccessPattern &hbm_operand);
  const uint8_t *gather_deferred(const AccessPattern &src);
  bool generate_deferred_into(const AccessPattern &dst, const AccessPattern &src);
  bool load_in_background(const AccessPattern &dst, const AccessPattern &src);
  template <typename Fn>
  void for_each_row_piece(const AccessPattern &dst, const AccessPattern &src, Fn &&fn);
  void tensor_copy_predicated(const Instruction &inst);
  void nc_stream_shuffle(const Instruction &inst);
  void scatter_elements(const AccessPattern &dst, Dtype from, const uint8_t *elements);

  Memories &mem_;
  bool pe_transpose_bit_accurate_;
  BackgroundFill *fill_;
  // Loads of fewer elements are made on the spot: handing one over costs
  // a few microseconds, about what 4,096 values take to make.
  static constexpr uint64_t kBackgroundElements = 4096;
  // A background fill not known to have finished: it writes inside
  // partitions [p_lo, p_hi) x row bytes [lo, hi) of `mem`; or, for a load
  // from the HBM image (mem hbm, no partitions), reads HBM bytes [lo, hi).
  struct PendingFill {
    std::shared_ptr<BackgroundFill::Job> job;
    Memory mem;
    unsigned p_lo, p_hi;
    int64_t lo, hi;
  };
  std::vector<PendingFill> pending_;
  std::vector<float> a_, b_, c_;
  std::vector<int64_t> ia_, ib_;
  std::vector<uint8_t> bytes_;
  std::vector<uint8_t *> row_ptrs_;                                      // nc_transpose's in-place path
  std::vector<std::pair<const DeferredInput *, int64_t>> deferred_runs_; // generate_deferred_into
  // The accumulator registers, by AccumulatorBank (runtime/isa.h), one per
  // partition: their values (the scheduler tracks which are defined; a
  // register nothing has set reads as NaN).
  std::array<std::array<float, 128>, 3> acc_ = [] {
    std::array<std::array<float, 128>, 3> a;
    for (auto &bank : a) bank.fill(NAN);
    return a;
  }();
};

} // namespace nk
