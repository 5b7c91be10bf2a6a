// unroll-loops: see unroll_loops.h.
#include "compiler/lower/unroll_loops.h"

#include <algorithm>
#include <string>
#include <unordered_map>

namespace nk::tir {

namespace {

struct Unroller {
  Module &m;
  std::unordered_map<ValueId, ValueId> renamed;     // body value -> this iteration's copy
  std::unordered_map<ValueId, int64_t> index_value; // loop index -> current iteration
  std::vector<Op> *out = nullptr;                   // where ops go now
  unsigned depth = 0;
  // Inside an iteration of a parallel loop: the segments it is cut into (one
  // per iteration of each loop directly inside it), for interleaving.
  std::vector<std::vector<Op>> *segments = nullptr;
  unsigned segment_depth = 0; // `depth` of the parallel loop's body
  bool interleave = true;

  ValueId map(ValueId v) const {
    if (v == kNoValue) return v;
    auto it = renamed.find(v);
    return it == renamed.end() ? v : it->second;
  }
  void fold(Affine &a) const {
    std::vector<std::pair<ValueId, int64_t>> rest;
    for (auto &[v, coef] : a.terms) {
      auto it = index_value.find(v);
      if (it != index_value.end())
        a.constant += coef * it->second;
      else
        rest.push_back({map(v), coef});
    }
    a.terms = std::move(rest);
  }

  void run(const std::vector<Op> &ops) {
    for (const Op &op : ops) {
      if (op.kind == OpKind::loop) {
        if (interleave && op.loop_kind == LoopKind::parallel && op.trip_count > 1) {
          run_parallel(op);
          continue;
        }
        ++depth;
        // An empty body: nothing to repeat, whatever the trip count (only
        // the segment break its iterations would make).
        if (op.body.empty() && segments && depth == segment_depth + 1) new_segment();
        for (int64_t it = 0; it < op.trip_count && !op.body.empty(); ++it) {
          index_value[op.result] = it;
          // A loop directly inside a parallel iteration: one segment per
          // iteration, so the parallel iterations can interleave.
          if (segments && depth == segment_depth + 1) new_segment();
          run(op.body);
          if (segments && depth == segment_depth + 1) new_segment();
        }
        index_value.erase(op.result);
        --depth;
        continue;
      }
      // Clone the whole op (every attribute, present and future), then
      // remap what names values: operands, access patterns, the result,
      // and the loop indices in affine starts (folded to constants).
      Op c = op; // not a loop: its body is empty, so the copy is cheap
      for (ValueId &v : c.operands) v = map(v);
      fold(c.base);
      for (ViewDim &d : c.dims) fold(d.start);
      // An isa op's new dst is its result; map operands first so an
      // in-place dst keeps referring to the right var.
      for (unsigned i = 0; i < kMaxAps; ++i)
        c.aps[i] = op.aps[i] == op.result && op.result != kNoValue ? kNoValue : map(op.aps[i]);
      if (op.result != kNoValue) {
        if (depth > 0) {
          Value copy = m.value(op.result); // copy: add_value may reallocate
          ValueId fresh = m.add_value(copy.type, copy.name, copy.loc, copy.is_var);
          renamed[op.result] = fresh;
        }
        c.result = map(op.result);
      }
      for (unsigned i = 0; i < kMaxAps; ++i)
        if (op.aps[i] == op.result && op.result != kNoValue) c.aps[i] = c.result;
      out->push_back(std::move(c));
    }
  }

  void new_segment() {
    if (!segments->back().empty()) segments->emplace_back();
    out = &segments->back();
  }

  // Iterations of a parallel loop are independent, so their unrolled code
  // may be ordered in any interleaving. Round-robin over the iterations'
  // segments (prologue, each inner-loop iteration, epilogue) gives every
  // engine work from several iterations at once: while one iteration waits
  // on its own dependency chain, the others fill the engines.
  void run_parallel(const Op &loop) {
    if (loop.body.empty()) return; // no segments to interleave
    std::vector<Op> *saved_out = out;
    std::vector<std::vector<Op>> *saved_segments = segments;
    unsigned saved_depth = segment_depth;
    ++depth;
    std::vector<std::vector<std::vector<Op>>> per_iteration(size_t(loop.trip_count));
    for (int64_t it = 0; it < loop.trip_count; ++it) {
      index_value[loop.result] = it;
      auto &segs = per_iteration[size_t(it)];
      segs.emplace_back();
      segments = &segs;
      segment_depth = depth;
      out = &segs.back();
      run(loop.body);
    }
    index_value.erase(loop.result);
    --depth;
    segments = saved_segments;
    segment_depth = saved_depth;
    out = saved_out;
    size_t most = 0;
    for (auto &segs : per_iteration) most = std::max(most, segs.size());
    for (size_t k = 0; k < most; ++k)
      for (auto &segs : per_iteration)
        if (k < segs.size())
          for (Op &o : segs[k]) out->push_back(std::move(o));
  }
};

} // namespace

uint64_t unrolled_size(const std::vector<Op> &ops) {
  uint64_t n = 0;
  for (const Op &op : ops) {
    uint64_t k = 0;
    if (op.kind == OpKind::loop && !op.body.empty() &&
        __builtin_mul_overflow(uint64_t(std::max<int64_t>(op.trip_count, 0)), unrolled_size(op.body), &k))
      k = UINT64_MAX;
    if (__builtin_add_overflow(k, uint64_t(1), &k) || __builtin_add_overflow(n, k, &n)) n = UINT64_MAX;
  }
  return n;
}

llvm::Error unroll_loops(Module &m, bool interleave) {
  uint64_t n = unrolled_size(m.body);
  if (n > kMaxUnrolledOps)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "kernel '%s' unrolls to %s operations; nkc unrolls every loop and "
                                   "supports at most %llu",
                                   m.kernel.c_str(), n == UINT64_MAX ? "2^64 - 1 or more" : std::to_string(n).c_str(),
                                   (unsigned long long)kMaxUnrolledOps);
  Unroller u{m, {}, {}, nullptr, 0, nullptr, 0, interleave};
  std::vector<Op> flat;
  flat.reserve(n);
  u.out = &flat;
  m.values.reserve(m.values.size() + n);
  u.run(m.body);
  m.body = std::move(flat);
  return llvm::Error::success();
}

} // namespace nk::tir
