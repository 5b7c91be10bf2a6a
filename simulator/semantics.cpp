// Instruction semantics (semantics.h). One function per opcode; each reads
// its operands a partition row at a time into fp32 scratch, computes with
// alu.h, and writes the row back converting to the destination dtype with
// round-to-nearest-even.
#include "simulator/semantics.h"

#include "simulator/access.h"
#include "simulator/alu.h"
#include "simulator/matmul.h"

#include "llvm/ADT/SmallVector.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>
#if defined(__SSE__)
#include <xmmintrin.h>
#endif
#if defined(__x86_64__)
// GCC 12 warns that the unmasked AVX-512 shuffles' own "undefined" merge
// operand is uninitialized (inside the header; GCC bug 105593).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#endif

namespace nk {

namespace {
template <typename T>
T *grow(std::vector<T> &v, uint64_t n) {
  if (v.size() < n) v.resize(n);
  return v.data();
}
// The elements of `a`, over all its rows in order, a run of the innermost
// dim at a time: for copying between two patterns in step.
class ElementCursor {
public:
  ElementCursor(Memories &mem, const AccessPattern &a)
      : mem_(mem), a_(a), esz_(dtype_size(a.dtype)), rows_(Memories::rows(a)) {
    for (unsigned d = 0; d < a.num_dims; ++d)
      if (a.dims[d].count == 0) row_ = rows_; // no elements at all
    if (row_ < rows_) start_row();
  }
  bool done() const { return row_ >= rows_; }
  uint8_t *ptr() const { return base_ + off_; }
  uint64_t left() const { return left_; }    // elements left in this run
  int64_t stride() const { return stride_; } // bytes from one to the next
  void consume(uint64_t n) {
    off_ += stride_ * int64_t(n);
    left_ -= n;
    if (left_ == 0) next_run();
  }

private:
  void start_row() {
    base_ = mem_.row(a_, row_);
    off_ = int64_t(a_.offset);
    for (uint64_t &i : idx_) i = 0;
    const unsigned nd = a_.num_dims;
    left_ = nd ? a_.dims[nd - 1].count : 1;
    stride_ = nd ? a_.dims[nd - 1].stride * esz_ : esz_;
    run_start_ = off_;
  }
  // The odometer over the outer dims (as for_each_inner_run), then the next row.
  void next_run() {
    off_ = run_start_;
    for (int d = int(a_.num_dims) - 2; d >= 0; --d) {
      off_ += a_.dims[d].stride * esz_;
      if (++idx_[d] < a_.dims[d].count) {
        left_ = a_.dims[a_.num_dims - 1].count;
        run_start_ = off_;
        return;
      }
      off_ -= a_.dims[d].stride * esz_ * int64_t(a_.dims[d].count);
      idx_[d] = 0;
    }
    if (++row_ < rows_) start_row();
  }

  Memories &mem_;
  const AccessPattern &a_;
  const int64_t esz_;
  const unsigned rows_;
  unsigned row_ = 0;
  uint8_t *base_ = nullptr;
  int64_t off_ = 0, run_start_ = 0, stride_ = 0;
  uint64_t left_ = 0;
  uint64_t idx_[kMaxHbmDims] = {};
};

// Whether dst and src may share a byte (then a copy must read all of src
// before writing): same memory, overlapping partitions and row extents.
bool may_overlap(const AccessPattern &dst, const AccessPattern &src) {
  if (dst.mem != src.mem) return false;
  if (dst.on_chip() && (dst.start_partition >= src.start_partition + src.num_partitions ||
                        src.start_partition >= dst.start_partition + dst.num_partitions))
    return false;
  const auto d = row_extent(dst), s = row_extent(src);
  return !d || !s || (d->lo < s->hi && s->lo < d->hi);
}

// Whether each row of `a` is one contiguous run of elements in walk order
// (dims row-major dense), starting at byte a.offset of the row: then the
// row can be read or written in place, with no gather or scatter.
bool dense(const AccessPattern &a) {
  int64_t size = 1;
  for (int d = int(a.num_dims) - 1; d >= 0; --d) {
    if (a.dims[unsigned(d)].count > 1 && a.dims[unsigned(d)].stride != size) return false;
    size *= int64_t(a.dims[unsigned(d)].count);
  }
  return true;
}
bool dense_f32(const AccessPattern &a) { return a.dtype == Dtype::f32 && dense(a); }

// out[j] + out_off <- the four fp32 at in[0..3] + in_off, element j of
// each (a 4 x 4 transpose of raw bits: no arithmetic, so exact).
void transpose4x4(uint8_t *const *in, uint64_t in_off, uint8_t *const *out, uint64_t out_off) {
#if defined(__SSE__)
  __m128 r0 = _mm_loadu_ps(reinterpret_cast<const float *>(in[0] + in_off));
  __m128 r1 = _mm_loadu_ps(reinterpret_cast<const float *>(in[1] + in_off));
  __m128 r2 = _mm_loadu_ps(reinterpret_cast<const float *>(in[2] + in_off));
  __m128 r3 = _mm_loadu_ps(reinterpret_cast<const float *>(in[3] + in_off));
  _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
  _mm_storeu_ps(reinterpret_cast<float *>(out[0] + out_off), r0);
  _mm_storeu_ps(reinterpret_cast<float *>(out[1] + out_off), r1);
  _mm_storeu_ps(reinterpret_cast<float *>(out[2] + out_off), r2);
  _mm_storeu_ps(reinterpret_cast<float *>(out[3] + out_off), r3);
#else
  for (unsigned j = 0; j < 4; ++j)
    for (unsigned i = 0; i < 4; ++i) std::memcpy(out[j] + out_off + 4 * i, in[i] + in_off + 4 * j, 4);
#endif
}

#if defined(__x86_64__)
// out[j] + out_off <- the sixteen fp32 at in[0..15] + in_off, element j of
// each: a 16 x 16 transpose of raw bits (shuffles only, so exact) in four
// rounds of AVX-512 shuffles instead of sixteen 4 x 4 SSE blocks.
__attribute__((target("avx512f"))) void transpose16x16_avx512(uint8_t *const *in, uint64_t in_off, uint8_t *const *out,
                                                              uint64_t out_off) {
  // The shuffles' _mask forms with every lane selected: the same results,
  // without the _mm512_undefined_* operand of the plain forms, which GCC 12
  // flags as maybe-uninitialized at -O1 with the sanitizers (-Werror).
  constexpr __mmask16 all16 = 0xFFFF;
  constexpr __mmask8 all8 = 0xFF;
  __m512i r[16], t[16];
  for (unsigned i = 0; i < 16; ++i) r[i] = _mm512_loadu_si512(in[i] + in_off);
  // Pairs of rows interleaved by element, then by pairs of elements (within
  // each 128-bit lane), then the lanes gathered across rows four apart and
  // eight apart.
  for (unsigned i = 0; i < 16; i += 2) {
    t[i] = _mm512_mask_unpacklo_epi32(r[i], all16, r[i], r[i + 1]);
    t[i + 1] = _mm512_mask_unpackhi_epi32(r[i], all16, r[i], r[i + 1]);
  }
  for (unsigned i = 0; i < 16; i += 4) {
    r[i] = _mm512_mask_unpacklo_epi64(t[i], all8, t[i], t[i + 2]);
    r[i + 1] = _mm512_mask_unpackhi_epi64(t[i], all8, t[i], t[i + 2]);
    r[i + 2] = _mm512_mask_unpacklo_epi64(t[i + 1], all8, t[i + 1], t[i + 3]);
    r[i + 3] = _mm512_mask_unpackhi_epi64(t[i + 1], all8, t[i + 1], t[i + 3]);
  }
  for (unsigned h = 0; h < 16; h += 8)
    for (unsigned i = 0; i < 4; ++i) {
      t[h + i] = _mm512_mask_shuffle_i32x4(r[h + i], all16, r[h + i], r[h + i + 4], 0x88);
      t[h + i + 4] = _mm512_mask_shuffle_i32x4(r[h + i], all16, r[h + i], r[h + i + 4], 0xdd);
    }
  for (unsigned i = 0; i < 8; ++i) {
    r[i] = _mm512_mask_shuffle_i32x4(t[i], all16, t[i], t[i + 8], 0x88);
    r[i + 8] = _mm512_mask_shuffle_i32x4(t[i], all16, t[i], t[i + 8], 0xdd);
  }
  for (unsigned j = 0; j < 16; ++j) _mm512_storeu_si512(out[j] + out_off, r[j]);
}
#endif

bool host_has_avx512f() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f");
#else
  return false;
#endif
}

// v[j] = base + ps * p + steps[0] * i1 + ... + steps[k-1] * ik for the j-th
// element of `pattern`'s walk, i1..ik the indices of its k free dims
// (outermost first): NKI's affine index expressions, a coefficient per free
// axis (NKI 2.26 nki.isa, iota and affine_select). Two's-complement
// wrap-around in 64 bits (never UB).
void affine_values(int64_t base, int64_t ps, uint64_t p, const std::array<int64_t, 4> &steps,
                   const AccessPattern &pattern, int64_t *v) {
  const unsigned nd = std::min<unsigned>(pattern.num_dims, 4);
  uint64_t idx[4] = {};
  const uint64_t F = pattern.free_elements();
  const uint64_t row = uint64_t(base) + uint64_t(ps) * p;
  for (uint64_t j = 0; j < F; ++j) {
    uint64_t acc = row;
    for (unsigned d = 0; d < nd; ++d) acc += uint64_t(steps[d]) * idx[d];
    v[j] = int64_t(acc);
    for (int d = int(nd) - 1; d >= 0; --d) {
      if (++idx[d] < pattern.dims[unsigned(d)].count) break;
      idx[d] = 0;
    }
  }
}
} // namespace

void Executor::execute(const Instruction &inst, Engine engine) {
  switch (inst.op) {
  case Opcode::dma_copy: return dma_copy(inst);
  case Opcode::nc_matmul: return nc_matmul(inst);
  case Opcode::nc_transpose: return nc_transpose(inst, engine);
  case Opcode::tensor_copy: return tensor_copy(inst);
  case Opcode::tensor_tensor: return tensor_tensor(inst, engine);
  case Opcode::tensor_scalar: return tensor_scalar(inst);
  case Opcode::tensor_scalar_reduce: return tensor_scalar_reduce(inst);
  case Opcode::tensor_reduce: return tensor_reduce(inst);
  case Opcode::activation: return activation(inst);
  case Opcode::iota: return iota(inst);
  case Opcode::memset: return memset(inst);
  case Opcode::affine_select: return affine_select(inst);
  case Opcode::select: return select(inst);
  case Opcode::tensor_copy_predicated: return tensor_copy_predicated(inst);
  case Opcode::select_reduce: return select_reduce(inst);
  case Opcode::nc_stream_shuffle: return nc_stream_shuffle(inst);
  case Opcode::tensor_tensor_scan: return tensor_tensor_scan(inst);
  case Opcode::bn_stats: return bn_stats(inst);
  case Opcode::bn_aggr: return bn_aggr(inst);
  case Opcode::max8: return max8(inst);
  case Opcode::nc_find_index8: return nc_find_index8(inst);
  case Opcode::scalar_tensor_tensor: return scalar_tensor_tensor(inst);
  case Opcode::reciprocal: return reciprocal(inst);
  case Opcode::tensor_partition_reduce: return tensor_partition_reduce(inst);
  case Opcode::nc_match_replace8: return nc_match_replace8(inst);
  case Opcode::sequence_bounds: return sequence_bounds(inst);
  case Opcode::dropout: return dropout(inst);
  case Opcode::local_gather: return local_gather(inst);
  case Opcode::tensor_copy_dynamic_src:
  case Opcode::tensor_copy_dynamic_dst: return tensor_copy_dynamic(inst);
  case Opcode::range_select: return range_select(inst);
  case Opcode::sem_signal:
  case Opcode::sem_wait:
  case Opcode::core_barrier: return; // the scheduler's business
  }
}

float Executor::load_scalar(const AccessPattern &a, unsigned row) {
  float v;
  gather_row_f32(a, mem_.row(a, row), &v);
  return v;
}

// Element n of dst <- element n of src, raw bytes (same dtype), straight
// from one pattern to the other. Only for operands that cannot overlap.
void Executor::copy_raw(const AccessPattern &dst, const AccessPattern &src) {
  const uint64_t esz = dtype_size(src.dtype);
  if (dst.on_chip() && src.on_chip() && dst.num_partitions == src.num_partitions &&
      dst.free_elements() == src.free_elements() && dense(dst) && dense(src)) {
    // Row r of src is row r of dst, each one contiguous run: a memcpy a row.
    const uint64_t bytes = src.free_elements() * esz;
    for (unsigned r = 0; r < src.num_partitions; ++r)
      std::memcpy(mem_.row(dst, r) + dst.offset, mem_.row(src, r) + src.offset, bytes);
    return;
  }
  ElementCursor in(mem_, src), out(mem_, dst);
  while (!in.done() && !out.done()) {
    const uint64_t n = std::min(in.left(), out.left());
    const int64_t si = in.stride(), so = out.stride();
    const uint8_t *p = in.ptr();
    uint8_t *q = out.ptr();
    if (si == int64_t(esz) && so == int64_t(esz)) {
      std::memcpy(q, p, n * esz);
    } else {
      for (uint64_t i = 0; i < n; ++i) std::memcpy(q + int64_t(i) * so, p + int64_t(i) * si, esz);
    }
    in.consume(n);
    out.consume(n);
  }
}

// Element i of dst <- element i of src in (partition, dims...) order. Same
// dtype: raw bytes (exact for any bits); else through fp32.
// Whether `a` (an HBM operand) may touch a deferred input not yet written
// into the image (its hull, or everything when the hull overflows).
bool Executor::touches_deferred(const AccessPattern &a) const {
  const auto ext = row_extent(a);
  for (const DeferredInput &d : mem_.deferred)
    if (!ext ? !d.materialized : d.pending_in(uint64_t(ext->lo), uint64_t(ext->hi))) return true;
  return false;
}

// Writes every deferred input `a` (an HBM operand) may touch into the image.
void Executor::materialize_deferred(const AccessPattern &a) {
  const auto ext = row_extent(a);
  for (DeferredInput &d : mem_.deferred)
    if (!ext ? !d.materialized : d.pending_in(uint64_t(ext->lo), uint64_t(ext->hi))) d.materialize(mem_.hbm.data());
}

// Gathers the elements of `src` (an HBM operand that touches a deferred
// input) into bytes_, in walk order: generated for contiguous runs of an
// input's own dtype, read from the image for bytes no deferred input holds.
// Any other pattern materialises the inputs it touches instead and returns
// nullptr, so the caller reads the image as usual.
const uint8_t *Executor::gather_deferred(const AccessPattern &src) {
  if (!row_extent(src)) { // overflowing hull: no run arithmetic, read the image
    materialize_deferred(src);
    return nullptr;
  }
  const int64_t esz = dtype_size(src.dtype);
  auto holder = [&](int64_t run_lo, int64_t run_hi) -> const DeferredInput * {
    for (const DeferredInput &d : mem_.deferred)
      if (d.pending_in(uint64_t(run_lo), uint64_t(run_hi))) return &d;
    return nullptr;
  };
  bool generable = true;
  for_each_inner_run(src, [&](int64_t off, uint64_t count, int64_t stride) {
    if (!generable || count == 0) return;
    const int64_t last = off + int64_t(count - 1) * stride;
    const int64_t run_lo = std::min(off, last), run_hi = std::max(off, last) + esz;
    const DeferredInput *d = holder(run_lo, run_hi);
    if (!d) return; // plain image bytes
    generable = stride == esz && d->decl.dtype == src.dtype && uint64_t(run_lo) >= d->begin() &&
                uint64_t(run_hi) <= d->end() && (uint64_t(run_lo) - d->begin()) % uint64_t(esz) == 0;
  });
  if (!generable) {
    materialize_deferred(src);
    return nullptr;
  }
  uint8_t *buf = grow(bytes_, src.num_elements() * uint64_t(esz));
  uint8_t *p = buf;
  for_each_inner_run(src, [&](int64_t off, uint64_t count, int64_t stride) {
    const int64_t last = off + int64_t(count - 1) * stride;
    const DeferredInput *d = count ? holder(std::min(off, last), std::max(off, last) + esz) : nullptr;
    if (d) {
      fill_random_range(d->decl, d->seed, d->scale, (uint64_t(off) - d->begin()) / uint64_t(esz), count, p, d->dist);
    } else {
      for (uint64_t k = 0; k < count; ++k)
        std::memcpy(p + k * uint64_t(esz), mem_.hbm.data() + off + int64_t(k) * stride, size_t(esz));
    }
    p += count * uint64_t(esz);
  });
  return buf;
}

// The pieces of a load from HBM runs (src, each contiguous) into a dense
// on-chip tile (dst, dense()): element i of src goes to element i of dst in
// walk order, so each run is cut where a dst row ends. fn(byte offset in
// HBM, elements, destination, whether the piece starts a run of src).
template <typename Fn>
void Executor::for_each_row_piece(const AccessPattern &dst, const AccessPattern &src, Fn &&fn) {
  const int64_t esz = dtype_size(src.dtype);
  const uint64_t per_row = dst.free_elements();
  unsigned row = 0;
  uint64_t col = 0;
  for_each_inner_run(src, [&](int64_t off, uint64_t count, int64_t) {
    for (bool run_start = true; count > 0; run_start = false) {
      const uint64_t m = std::min(count, per_row - col);
      fn(off, m, mem_.row(dst, row) + dst.offset + col * uint64_t(esz), run_start);
      off += int64_t(m) * esz;
      count -= m;
      col += m;
      if (col == per_row) {
        col = 0;
        ++row;
      }
    }
  });
}

// A load of deferred input elements into a dense on-chip tile of the same
// dtype (each partition's elements contiguous: the common HBM -> SBUF tile
// load): the values are generated straight into the tile's rows, with no
// staging buffer and no copy. Returns false, doing nothing, for any other
// case (gather_deferred handles those).
bool Executor::generate_deferred_into(const AccessPattern &dst, const AccessPattern &src) {
  if (!dst.on_chip() || dst.dtype != src.dtype || !row_extent(src) || !dense(dst)) return false;
  const int64_t esz = dtype_size(src.dtype);
  // Every inner run of src must lie inside one deferred input, contiguous
  // and element aligned.
  // The pending inputs' byte ranges, worked out once (not per run: a tile
  // load has a run per partition).
  struct Pending {
    const DeferredInput *d;
    uint64_t begin, end;
  };
  llvm::SmallVector<Pending, 4> pending;
  for (const DeferredInput &d : mem_.deferred)
    if (!d.materialized) pending.push_back(Pending{&d, d.begin(), d.end()});
  bool ok = true;
  std::vector<std::pair<const DeferredInput *, int64_t>> &runs = deferred_runs_;
  runs.clear();
  for_each_inner_run(src, [&](int64_t off, uint64_t count, int64_t stride) {
    if (!ok || count == 0) return;
    const int64_t hi = off + int64_t(count) * esz;
    const Pending *holder = nullptr; // the last pending input overlapping [off, hi)
    for (const Pending &pd : pending)
      if (uint64_t(off) < pd.end && pd.begin < uint64_t(hi)) holder = &pd;
    ok = holder && (stride == esz || count == 1) && holder->d->decl.dtype == src.dtype &&
         uint64_t(off) >= holder->begin && uint64_t(hi) <= holder->end &&
         (uint64_t(off) - holder->begin) % uint64_t(esz) == 0;
    runs.emplace_back(holder ? holder->d : nullptr, off);
  });
  if (!ok) return false;
  size_t k = 0;
  // A large load is made by the background thread while the simulation
  // goes on (await_operands holds back whatever touches its bytes); a small
  // one here, as handing it over would cost more than making it.
  const bool background = fill_ && src.num_elements() >= kBackgroundElements;
  std::vector<BackgroundFill::Piece> pieces;
  const DeferredInput *d = nullptr;
  for_each_row_piece(dst, src, [&](int64_t off, uint64_t m, uint8_t *out, bool run_start) {
    if (run_start) d = runs[k++].first;
    const uint64_t first = (uint64_t(off) - d->begin()) / uint64_t(esz);
    if (background)
      pieces.push_back(BackgroundFill::Piece{d, first, m, out});
    else
      fill_random_range(d->decl, d->seed, d->scale, first, m, out, d->dist);
  });
  if (background) {
    const auto ext = row_extent(dst); // validated: no overflow
    pending_.push_back(PendingFill{fill_->submit(std::move(pieces)), dst.mem, dst.start_partition,
                                   unsigned(dst.start_partition + dst.num_partitions), ext->lo, ext->hi});
  }
  return true;
}

// A large load of bytes in the HBM image into on-chip rows, as row
// pieces for the background thread (like a random one: the simulation goes
// on, await_operands holds back whatever touches the destination, and any
// HBM write over the source). Whether it was handed over: dst's rows dense
// and src a contiguous run per piece, else the caller copies.
bool Executor::load_in_background(const AccessPattern &dst, const AccessPattern &src) {
  if (src.num_elements() < kBackgroundElements) return false;
  const auto src_ext = row_extent(src), dst_ext = row_extent(dst);
  if (!src_ext || !dst_ext || !dense(dst)) return false;
  const int64_t esz = dtype_size(src.dtype);
  bool ok = true;
  for_each_inner_run(src, [&](int64_t, uint64_t count, int64_t stride) { ok &= stride == esz || count <= 1; });
  if (!ok) return false;
  std::vector<BackgroundFill::Piece> pieces;
  for_each_row_piece(dst, src, [&](int64_t off, uint64_t m, uint8_t *out, bool) {
    pieces.push_back(BackgroundFill::Piece{nullptr, 0, m * uint64_t(esz), out, mem_.hbm.data() + off});
  });
  auto job = fill_->submit(std::move(pieces));
  pending_.push_back(PendingFill{job, dst.mem, dst.start_partition, unsigned(dst.start_partition + dst.num_partitions),
                                 dst_ext->lo, dst_ext->hi});
  pending_.push_back(PendingFill{job, Memory::hbm, 0, 1, src_ext->lo, src_ext->hi});
  return true;
}

void Executor::await_operands(const Instruction &inst) {
  if (pending_.empty()) return;
  // Drop the finished fills; wait for (help make) those an on-chip operand
  // overlaps.
  pending_.erase(std::remove_if(pending_.begin(), pending_.end(), [](const PendingFill &f) { return f.job->done(); }),
                 pending_.end());
  const OpInfo &info = op_info(inst.op);
  for (unsigned i = 0; i < info.num_aps; ++i) {
    const AccessPattern &a = inst.ap[i];
    if (a.mem == Memory::hbm && operand_writes(inst, i)) {
      // A write of HBM bytes a background load still copies from; every
      // byte it may write (an indirect one's envelope), or all of them.
      const auto ext = row_extent(operand_envelope(inst, i));
      for (const PendingFill &f : pending_)
        if (f.mem == Memory::hbm && (!ext || (ext->lo < f.hi && f.lo < ext->hi))) fill_->wait(*f.job);
      continue;
    }
    if (!a.on_chip()) continue;
    const auto ext = row_extent(a);
    const unsigned p_lo = a.start_partition, p_hi = unsigned(a.start_partition + a.num_partitions);
    for (const PendingFill &f : pending_)
      if (f.mem == a.mem && p_lo < f.p_hi && f.p_lo < p_hi && (!ext || (ext->lo < f.hi && f.lo < ext->hi)))
        fill_->wait(*f.job);
  }
}

void Executor::await_all() {
  for (const PendingFill &f : pending_) fill_->wait(*f.job);
  pending_.clear();
}

// Elements of dtype `from`, laid out contiguously in walk order, into dst:
// raw bytes when the dtypes agree, else through fp32 as dma_copy converts.
void Executor::scatter_elements(const AccessPattern &dst, Dtype from, const uint8_t *buf) {
  if (dst.dtype == from) {
    const uint64_t esz = dtype_size(from);
    for (unsigned r = 0; r < Memories::rows(dst); ++r, buf += dst.free_elements() * esz)
      scatter_row_bytes(dst, mem_.row(dst, r), buf);
    return;
  }
  const uint64_t n = dst.num_elements();
  float *f = grow(a_, n);
  for (uint64_t i = 0; i < n; ++i) f[i] = load_as_f32(from, buf + i * dtype_size(from));
  for (unsigned r = 0; r < Memories::rows(dst); ++r, f += dst.free_elements())
    scatter_row_f32(dst, mem_.row(dst, r), f);
}

// dma_copy with dst_rmw_op=add (NKI 2.26 nki.isa.dma_copy: "adds the source
// data to the existing destination data"): dst[n] = dst[n] + src[n] for the
// n-th element of each walk. NKI documents neither the precision nor the
// order; ours: both read as fp32, one fp32 add, converted to dst's dtype as
// every engine converts. All of src is read before dst is written.
void Executor::dma_accumulate(const Instruction &inst) {
  const AccessPattern &dst = inst.ap[ap::dma_copy::dst], &src = inst.ap[ap::dma_copy::src];
  if (!mem_.deferred.empty()) {
    if (dst.mem == Memory::hbm) materialize_deferred(dst);
    if (src.mem == Memory::hbm) materialize_deferred(src);
  }
  const uint64_t n = src.num_elements();
  float *a = grow(a_, n), *b = grow(b_, n);
  float *p = a;
  for (unsigned r = 0; r < Memories::rows(src); ++r, p += src.free_elements()) gather_row_f32(src, mem_.row(src, r), p);
  p = b;
  for (unsigned r = 0; r < Memories::rows(dst); ++r, p += dst.free_elements()) gather_row_f32(dst, mem_.row(dst, r), p);
  for (uint64_t i = 0; i < n; ++i) b[i] = b[i] + a[i];
  p = b;
  for (unsigned r = 0; r < Memories::rows(dst); ++r, p += dst.free_elements())
    scatter_row_f32(dst, mem_.row(dst, r), p);
}

void Executor::dma_copy(const Instruction &inst) {
  const AccessPattern &dst = inst.ap[ap::dma_copy::dst], &src = inst.ap[ap::dma_copy::src];
  if (inst.get_alu(attr::dma_copy::dst_rmw_op) == AluOp::add) return dma_accumulate(inst);
  if (!mem_.deferred.empty()) {
    if (dst.mem == Memory::hbm) materialize_deferred(dst);
    if (src.mem == Memory::hbm && touches_deferred(src)) {
      if (generate_deferred_into(dst, src)) return;
      if (const uint8_t *elements = gather_deferred(src)) return scatter_elements(dst, src.dtype, elements);
    }
  }
  const bool raw = dst.dtype == src.dtype;
  const uint64_t n = src.num_elements();
  if (raw && fill_ && src.mem == Memory::hbm && dst.on_chip() && load_in_background(dst, src)) return;
  if (raw && !may_overlap(dst, src)) {
    copy_raw(dst, src);
  } else if (raw) {
    const unsigned esz = dtype_size(src.dtype);
    uint8_t *buf = grow(bytes_, n * esz);
    uint8_t *p = buf;
    for (unsigned r = 0; r < Memories::rows(src); ++r, p += src.free_elements() * esz)
      gather_row_bytes(src, mem_.row(src, r), p);
    scatter_elements(dst, src.dtype, buf);
  } else {
    float *buf = grow(a_, n);
    float *p = buf;
    for (unsigned r = 0; r < Memories::rows(src); ++r, p += src.free_elements())
      gather_row_f32(src, mem_.row(src, r), p);
    p = buf;
    for (unsigned r = 0; r < Memories::rows(dst); ++r, p += dst.free_elements())
      scatter_row_f32(dst, mem_.row(dst, r), p);
  }
}

// NKI 2.26 nki.isa.nc_matmul's is_stationary_onezero / is_moving_onezero
// promise an operand of zeros and ones (a performance hint): the first
// value that breaks the promise is recorded (NaN included; -0.0 is a zero).
// The product is still computed exactly.
void Executor::check_onezero(const AccessPattern &a, unsigned field) {
  if (onezero_violation_) return;
  std::vector<float> row(a.free_elements());
  for (unsigned p = 0; p < a.num_partitions; ++p) {
    gather_row_f32(a, mem_.row(a, p), row.data());
    for (uint64_t i = 0; i < row.size(); ++i)
      if (!(row[i] == 0.0f || row[i] == 1.0f)) {
        onezero_violation_ = OnezeroViolation{field, false, row[i], p, i};
        return;
      }
  }
}

// is_transpose promises that moving is the identity: 1 on the diagonal, 0
// (or -0.0) elsewhere; the first element that breaks it is recorded.
void Executor::check_identity(const AccessPattern &a, unsigned field) {
  if (onezero_violation_) return;
  std::vector<float> row(a.free_elements());
  for (unsigned p = 0; p < a.num_partitions; ++p) {
    gather_row_f32(a, mem_.row(a, p), row.data());
    for (uint64_t i = 0; i < row.size(); ++i)
      if (row[i] != (i == p ? 1.0f : 0.0f)) {
        onezero_violation_ = OnezeroViolation{field, true, row[i], p, i};
        return;
      }
  }
}

// dst[m, n] (+)= sum_k stationary[k, m] * moving[k, n], summed in fp32 in
// increasing k, then added to the old PSUM value when accumulating. The
// products and sums are matmul.h's kernel; here the operands are gathered
// into its padded layout and the result scattered row by row. With
// is_transpose (moving promised the identity) on a target whose Tensor
// engine transposes bit-accurately, nc_transpose's code computes it.
void Executor::nc_matmul(const Instruction &inst) {
  using f = ap::nc_matmul;
  const AccessPattern &dst = inst.ap[f::dst], &st = inst.ap[f::stationary], &mv = inst.ap[f::moving];
  if (inst.get_bool(attr::nc_matmul::is_stationary_onezero)) check_onezero(st, f::stationary);
  if (inst.get_bool(attr::nc_matmul::is_moving_onezero)) check_onezero(mv, f::moving);
  const bool accumulate = inst.get_bool(attr::nc_matmul::accumulate);
  if (inst.get_bool(attr::nc_matmul::is_transpose)) {
    check_identity(mv, f::moving);
    // A bit-accurate target moves stationary's values, as nc_transpose
    // does; moving's values are not used. Otherwise the product is the
    // transpose (NaN and Inf spread along their dst row, -0 becomes +0:
    // NKI 2.26's "not bit-accurate" matmul-style transpose on
    // NeuronCore-v2), and a broken promise (flagged) the exact product.
    if (pe_transpose_bit_accurate_) return transpose_values(dst, st, accumulate);
  }
  const unsigned K = st.num_partitions;
  const uint64_t N = mv.free_elements(), Ns = matmul_moving_stride(N);
  float *V = grow(b_, K * Ns);
  // Dense fp32 rows (the common case) are plain copies: the generic walk
  // cost more than the few bytes it moves (a GQA decode makes 4,096
  // matmuls, each 128 moving rows and 128 result rows of 4 values).
  const bool mv_dense = dense_f32(mv);
  for (unsigned k = 0; k < K; ++k) {
    if (mv_dense)
      std::memcpy(V + k * Ns, mem_.row(mv, k) + mv.offset, N * sizeof(float));
    else
      gather_row_f32(mv, mem_.row(mv, k), V + k * Ns);
    std::fill(V + k * Ns + N, V + (k + 1) * Ns, 0.0f);
  }
  matmul_into(dst, st, V, N, accumulate);
}

void Executor::matmul_into(const AccessPattern &dst, const AccessPattern &st, const float *V, uint64_t N,
                           bool accumulate) {
  const unsigned K = st.num_partitions;
  const uint64_t M = st.free_elements();
  const uint64_t Ms = matmul_row_stride(M), Ns = matmul_moving_stride(N);
  float *Ot = grow(c_, Ns * Ms + 2 * N);
  float *row = Ot + Ns * Ms, *old = row + N;
  const bool dst_dense = dense_f32(dst);
  // A dense fp32 stationary whose rows need no padding (M a multiple of
  // the kernel's block) is read in place, rows a partition apart: the same
  // values in the same order, without copying the tile (the common case: a
  // 128 x 128 fp32 K or V tile).
  const bool in_place = K > 1 && M == Ms && dense_f32(st) && st.offset % 4 == 0;
  const uint64_t row_bytes = in_place ? uint64_t(mem_.row(st, 1) - mem_.row(st, 0)) : 0;
  if (in_place && row_bytes % 4 == 0) {
    matmul_f32_strided(reinterpret_cast<const float *>(mem_.row(st, 0) + st.offset), row_bytes / 4, V, K, M, N, Ot);
  } else {
    float *S = grow(a_, K * Ms);
    for (unsigned k = 0; k < K; ++k) {
      gather_row_f32(st, mem_.row(st, k), S + k * Ms);
      std::fill(S + k * Ms + M, S + (k + 1) * Ms, 0.0f);
    }
    matmul_f32(S, V, K, M, N, Ot);
  }
  for (uint64_t m = 0; m < M; ++m) {
    for (uint64_t n = 0; n < N; ++n) row[n] = Ot[n * Ms + m];
    uint8_t *out = mem_.row(dst, unsigned(m));
    if (dst_dense) {
      if (accumulate) {
        std::memcpy(old, out + dst.offset, N * sizeof(float));
        for (uint64_t n = 0; n < N; ++n) row[n] = old[n] + row[n];
      }
      std::memcpy(out + dst.offset, row, N * sizeof(float));
      continue;
    }
    if (accumulate) {
      gather_row_f32(dst, out, old);
      for (uint64_t n = 0; n < N; ++n) row[n] = old[n] + row[n];
    }
    scatter_row_f32(dst, out, row);
  }
}

// dst[f, p] = src[p, f]. The Tensor engine transposes by a matmul with the
// identity (NKI 2.26 nc_transpose): on a target where that is not
// bit-accurate (NeuronCore-v2: "not bit-accurate if the input data contains
// NaN/Inf") it is computed as that matmul, as nc_matmul is_transpose is, so
// a NaN or Inf spreads along its dst row and -0.0 becomes +0.0 (the sum
// starts from +0.0). Finite data without -0.0 comes out unchanged either
// way, so only such tiles pay for the matmul. The Vector engine moves the
// values.
void Executor::nc_transpose(const Instruction &inst, Engine engine) {
  const AccessPattern &dst = inst.ap[ap::nc_transpose::dst], &src = inst.ap[ap::nc_transpose::src];
  if (engine == Engine::tensor && !pe_transpose_bit_accurate_ && !moved_by_identity_matmul(src)) {
    const unsigned P = src.num_partitions;
    const uint64_t Ns = matmul_moving_stride(P);
    float *V = grow(b_, uint64_t(P) * Ns);
    std::fill(V, V + uint64_t(P) * Ns, 0.0f);
    for (unsigned k = 0; k < P; ++k) V[k * Ns + k] = 1.0f;
    return matmul_into(dst, src, V, P, false);
  }
  transpose_values(dst, src, false);
}

// Whether a matmul with the identity gives src's values unchanged: every
// value finite and none -0.0 (x * 1 plus +0.0 and zero products is x).
bool Executor::moved_by_identity_matmul(const AccessPattern &src) {
  const uint64_t F = src.free_elements();
  float *x = grow(a_, F);
  for (unsigned p = 0; p < src.num_partitions; ++p) {
    gather_row_f32(src, mem_.row(src, p), x);
    for (uint64_t f = 0; f < F; ++f)
      if (!std::isfinite(x[f]) || (x[f] == 0.0f && std::signbit(x[f]))) return false;
  }
  return true;
}

// dst[f, p] (+)= src[p, f], through fp32 (raw bits when both are fp32 and
// not accumulating).
void Executor::transpose_values(const AccessPattern &dst, const AccessPattern &src, bool accumulate) {
  const unsigned P = src.num_partitions;
  const uint64_t F = src.free_elements();
  constexpr uint64_t kBlock = 16;
  if (!accumulate && dense_f32(src) && dense_f32(dst) && !may_overlap(dst, src)) {
    // fp32 to fp32 through fp32 is a bit copy: element (p, f) of src goes
    // straight to element (f, p) of dst, a 16 x 16 block at a time, with
    // no staging copies of either side.
    uint8_t **in = grow(row_ptrs_, P + F), **out = in + P;
    for (unsigned p = 0; p < P; ++p) in[p] = mem_.row(src, p) + src.offset;
    for (uint64_t f = 0; f < F; ++f) out[f] = mem_.row(dst, unsigned(f)) + dst.offset;
    const uint64_t F4 = F / 4 * 4;
    const unsigned P4 = P / 4 * 4;
    [[maybe_unused]] static const bool whole_blocks = host_has_avx512f();
    for (uint64_t f0 = 0; f0 < F; f0 += kBlock)
      for (unsigned p0 = 0; p0 < P; p0 += unsigned(kBlock)) {
        const uint64_t f1 = std::min(F, f0 + kBlock);
        const unsigned p1 = std::min(P, p0 + unsigned(kBlock));
        // The next band's line of each of these source rows: P rows a
        // partition apart are P streams, more than the hardware
        // prefetchers follow, so each line was a miss waited for.
        if (f1 < F)
          for (unsigned p = p0; p < p1; ++p) __builtin_prefetch(in[p] + 4 * f1);
#if defined(__x86_64__)
        if (whole_blocks && f1 - f0 == kBlock && p1 - p0 == kBlock) {
          transpose16x16_avx512(in + p0, 4 * f0, out + f0, 4 * p0);
          continue;
        }
#endif
        for (uint64_t f = f0; f < f1; f += 4)
          for (unsigned p = p0; p < p1; p += 4) {
            if (f < F4 && p < P4) {
              transpose4x4(in + p, 4 * f, out + f, 4 * p);
              continue;
            }
            for (uint64_t ff = f; ff < std::min(F, f + 4); ++ff)
              for (unsigned pp = p; pp < std::min(P, p + 4); ++pp) std::memcpy(out[ff] + 4 * pp, in[pp] + 4 * ff, 4);
          }
      }
    return;
  }
  float *A = grow(a_, P * F), *T = grow(b_, F * P);
  for (unsigned p = 0; p < P; ++p) gather_row_f32(src, mem_.row(src, p), A + p * F);
  // Transposed in 16x16 blocks, so neither side is walked by a stride of a
  // whole row (a column walk of A missed the cache on every element).
  for (uint64_t f0 = 0; f0 < F; f0 += kBlock)
    for (unsigned p0 = 0; p0 < P; p0 += unsigned(kBlock)) {
      const uint64_t f1 = std::min(F, f0 + kBlock);
      const unsigned p1 = std::min(P, p0 + unsigned(kBlock));
      for (uint64_t f = f0; f < f1; ++f)
        for (unsigned p = p0; p < p1; ++p) T[f * P + p] = A[p * F + f];
    }
  float *old = accumulate ? grow(c_, P) : nullptr;
  for (uint64_t f = 0; f < F; ++f) {
    float *out = T + f * P;
    if (accumulate) {
      gather_row_f32(dst, mem_.row(dst, unsigned(f)), old);
      for (unsigned p = 0; p < P; ++p) out[p] = old[p] + out[p];
    }
    scatter_row_f32(dst, mem_.row(dst, unsigned(f)), out);
  }
}

void Executor::tensor_copy(const Instruction &inst) {
  const AccessPattern &dst = inst.ap[ap::tensor_copy::dst], &src = inst.ap[ap::tensor_copy::src];
  const uint64_t F = src.free_elements();
  if (dst.dtype == src.dtype && !may_overlap(dst, src)) {
    copy_raw(dst, src);
    return;
  }
  if (dst.dtype == src.dtype) {
    uint8_t *buf = grow(bytes_, F * dtype_size(src.dtype));
    for (unsigned r = 0; r < src.num_partitions; ++r) {
      gather_row_bytes(src, mem_.row(src, r), buf);
      scatter_row_bytes(dst, mem_.row(dst, r), buf);
    }
    return;
  }
  float *buf = grow(a_, F);
  for (unsigned r = 0; r < src.num_partitions; ++r) {
    gather_row_f32(src, mem_.row(src, r), buf);
    scatter_row_f32(dst, mem_.row(dst, r), buf);
  }
}

// Bitwise ops: on the integers' bits. The GpSimd engine's add, subtract
// and multiply (integer operands only, operand_rules.cpp): in integers
// (NKI 2.26: "32-bit integer Add and Multiply are only supported on GpSIMD
// Engine"), exact in 64 bits, then dst keeps the low bits, two's
// complement wrap-around (overflow is not documented). Everything else:
// fp32.
void Executor::tensor_tensor(const Instruction &inst, Engine engine) {
  using f = ap::tensor_tensor;
  const AccessPattern &dst = inst.ap[f::dst], &s0 = inst.ap[f::src0], &s1 = inst.ap[f::src1];
  const AluOp op = inst.get_alu(attr::tensor_tensor::op);
  const uint64_t F = s0.free_elements();
  const bool gpsimd_int = engine == Engine::gpsimd &&
                          (op == AluOp::add || op == AluOp::subtract || op == AluOp::multiply) &&
                          !dtype_is_float(s0.dtype) && !dtype_is_float(s1.dtype) && !dtype_is_float(dst.dtype);
  if (alu_kind(op) == AluKind::bitwise || gpsimd_int) {
    int64_t *x = grow(ia_, F), *y = grow(ib_, F);
    for (unsigned r = 0; r < s0.num_partitions; ++r) {
      gather_row_i64(s0, mem_.row(s0, r), x);
      gather_row_i64(s1, mem_.row(s1, r), y);
      if (gpsimd_int) {
        for (uint64_t i = 0; i < F; ++i) { // unsigned: wrap-around, no overflow UB
          const uint64_t a = uint64_t(x[i]), b = uint64_t(y[i]);
          x[i] = int64_t(op == AluOp::add ? a + b : op == AluOp::subtract ? a - b : a * b);
        }
      } else {
        for (uint64_t i = 0; i < F; ++i) x[i] = alu_apply_int(op, x[i], y[i]);
      }
      scatter_row_i64(dst, mem_.row(dst, r), x);
    }
    return;
  }
  float *x = grow(a_, F), *y = grow(b_, F);
  for (unsigned r = 0; r < s0.num_partitions; ++r) {
    gather_row_f32(s0, mem_.row(s0, r), x);
    gather_row_f32(s1, mem_.row(s1, r), y);
    alu_tensor_tensor(op, x, y, x, F);
    scatter_row_f32(dst, mem_.row(dst, r), x);
  }
}

// t = src op0 s0 (s0 op0 src if reverse0); dst = t op1 s1 unless op1 is
// bypass. s0 = scalar0[p] when present, else imm0 (likewise s1).
void Executor::tensor_scalar(const Instruction &inst) {
  using f = ap::tensor_scalar;
  using a = attr::tensor_scalar;
  const AccessPattern &dst = inst.ap[f::dst], &src = inst.ap[f::src];
  const AccessPattern &sc0 = inst.ap[f::scalar0], &sc1 = inst.ap[f::scalar1];
  const AluOp op0 = inst.get_alu(a::op0), op1 = inst.get_alu(a::op1);
  const bool rev0 = inst.get_bool(a::reverse0), rev1 = inst.get_bool(a::reverse1);
  const uint64_t F = src.free_elements();
  if (alu_kind(op0) == AluKind::bitwise) {
    int64_t *x = grow(ia_, F);
    for (unsigned r = 0; r < src.num_partitions; ++r) {
      int64_t v[2] = {f32_to_i32(inst.get_float(a::imm0)), f32_to_i32(inst.get_float(a::imm1))};
      if (sc0.present()) gather_row_i64(sc0, mem_.row(sc0, r), &v[0]);
      if (sc1.present()) gather_row_i64(sc1, mem_.row(sc1, r), &v[1]);
      gather_row_i64(src, mem_.row(src, r), x);
      for (uint64_t i = 0; i < F; ++i) {
        int64_t t = rev0 ? alu_apply_int(op0, v[0], x[i]) : alu_apply_int(op0, x[i], v[0]);
        if (op1 != AluOp::bypass) t = rev1 ? alu_apply_int(op1, v[1], t) : alu_apply_int(op1, t, v[1]);
        x[i] = t;
      }
      scatter_row_i64(dst, mem_.row(dst, r), x);
    }
    return;
  }
  float *x = grow(a_, F);
  for (unsigned r = 0; r < src.num_partitions; ++r) {
    const float v0 = sc0.present() ? load_scalar(sc0, r) : inst.get_float(a::imm0);
    const float v1 = sc1.present() ? load_scalar(sc1, r) : inst.get_float(a::imm1);
    gather_row_f32(src, mem_.row(src, r), x);
    alu_tensor_scalar(op0, x, v0, rev0, x, F);
    if (op1 != AluOp::bypass) alu_tensor_scalar(op1, x, v1, rev1, x, F);
    scatter_row_f32(dst, mem_.row(dst, r), x);
  }
}

// dst = src op0 s0 (s0 op0 src if reverse0, which the rules refuse: NKI
// 2.26 does not support it yet), s0 = scalar0[p] or imm0;
// reduce_dst[p] = reduce_op over the fp32 results of the row, in walk order
// (an add is NumPy's pairwise sum; subtract, undocumented, is the left fold
// x0 - x1 - x2 ... in fp32), before their conversion to dst's dtype.
void Executor::tensor_scalar_reduce(const Instruction &inst) {
  using f = ap::tensor_scalar_reduce;
  using a = attr::tensor_scalar_reduce;
  const AccessPattern &dst = inst.ap[f::dst], &src = inst.ap[f::src];
  const AccessPattern &sc0 = inst.ap[f::scalar0], &red = inst.ap[f::reduce_dst];
  const AluOp op0 = inst.get_alu(a::op0), rop = inst.get_alu(a::reduce_op);
  const bool rev0 = inst.get_bool(a::reverse0);
  const uint64_t F = src.free_elements();
  float *x = grow(a_, F);
  for (unsigned r = 0; r < src.num_partitions; ++r) {
    const float v0 = sc0.present() ? load_scalar(sc0, r) : inst.get_float(a::imm0);
    gather_row_f32(src, mem_.row(src, r), x);
    alu_tensor_scalar(op0, x, v0, rev0, x, F);
    const float reduced = reduce_values(rop, x, F);
    scatter_row_f32(red, mem_.row(red, r), &reduced);
    scatter_row_f32(dst, mem_.row(dst, r), x);
  }
}

// Reduces the free dims whose bit is set in `axes` (bit 0 = innermost). The
// elements of each output are first laid out contiguously in walk order, so
// an add is NumPy's pairwise sum over them and a subtract the left fold
// x0 - x1 - x2 ... in that order (NKI 2.26 allows subtract, nki.api.shared.rst
// "Legal Reduction op", but documents no order). negate flips the fp32
// result's sign.
void Executor::tensor_reduce(const Instruction &inst) {
  const AccessPattern &dst = inst.ap[ap::tensor_reduce::dst], &src = inst.ap[ap::tensor_reduce::src];
  const AluOp op = inst.get_alu(attr::tensor_reduce::op);
  const unsigned nd = src.num_dims;
  const uint64_t axes = uint64_t(inst.get_int(attr::tensor_reduce::axes));
  const bool negate = inst.get_bool(attr::tensor_reduce::negate);
  const uint64_t F = src.free_elements(), kept = dst.free_elements();
  const uint64_t group = kept ? F / kept : 0;
  if (group == 0) return;
  // Strides of each src dim in the kept (output) and reduced index spaces.
  uint64_t kept_stride[kMaxHbmDims] = {}, red_stride[kMaxHbmDims] = {};
  uint64_t ks = 1, rs = 1;
  for (int d = int(nd) - 1; d >= 0; --d) {
    bool reduced = (axes >> (nd - 1 - unsigned(d))) & 1;
    if (reduced) {
      red_stride[d] = rs;
      rs *= src.dims[d].count;
    } else {
      kept_stride[d] = ks;
      ks *= src.dims[d].count;
    }
  }
  const bool inner_only = (axes & (axes + 1)) == 0; // axes = 0b0..01..1
  const bool integer = alu_kind(op) == AluKind::bitwise;
  float *x = grow(a_, F), *t = grow(b_, F), *out = grow(c_, kept);
  int64_t *ix = grow(ia_, F), *it = grow(ib_, F + kept);
  for (unsigned r = 0; r < src.num_partitions; ++r) {
    if (integer)
      gather_row_i64(src, mem_.row(src, r), ix);
    else
      gather_row_f32(src, mem_.row(src, r), x);
    const float *grouped = x;
    const int64_t *igrouped = ix;
    if (!inner_only) {
      uint64_t idx[kMaxHbmDims] = {};
      for (uint64_t e = 0; e < F; ++e) {
        uint64_t o = 0, q = 0;
        for (unsigned d = 0; d < nd; ++d) {
          o += idx[d] * kept_stride[d];
          q += idx[d] * red_stride[d];
        }
        if (integer)
          it[o * group + q] = ix[e];
        else
          t[o * group + q] = x[e];
        for (int d = int(nd) - 1; d >= 0; --d) {
          if (++idx[d] < src.dims[d].count) break;
          idx[d] = 0;
        }
      }
      grouped = t;
      igrouped = it;
    }
    if (integer) {
      int64_t *iout = it + F;
      for (uint64_t o = 0; o < kept; ++o) iout[o] = reduce_values_int(op, igrouped + o * group, group);
      scatter_row_i64(dst, mem_.row(dst, r), iout);
    } else {
      for (uint64_t o = 0; o < kept; ++o) out[o] = reduce_values(op, grouped + o * group, group);
      if (negate) // NKI's negate: -1 x the fp32 result, before the conversion to dst's dtype
        for (uint64_t o = 0; o < kept; ++o) out[o] = -out[o];
      scatter_row_f32(dst, mem_.row(dst, r), out);
    }
  }
}

// dst = func(src * scale + bias[p]) (two fp32 roundings, no FMA), scale
// the immediate or scale_tile[p] (NKI 2.26 nki.isa, activation). The
// Scalar engine's accumulator of lane p (src's partition) by reduce_cmd:
// reset / reset_reduce set it to 0, reduce / reset_reduce add the pairwise
// sum of the fp32 results (before conversion) in fp32; reduce_dst[p] reads
// it out afterwards. (NKI's pseudo code writes `result = reduce_op(regs,
// sum)` then `regs += result`, which read literally adds regs twice; its
// prose, "reduce activated data over existing values in reduce_regs", and
// activation_reduce = reset_reduce both say regs + sum, which this is.)
void Executor::activation(const Instruction &inst) {
  using f = ap::activation;
  const AccessPattern &dst = inst.ap[f::dst], &src = inst.ap[f::src];
  const AccessPattern &bias = inst.ap[f::bias], &red = inst.ap[f::reduce_dst];
  const AccessPattern &scale_tile = inst.ap[f::scale_tile];
  const ActFunc func = inst.get_act(attr::activation::func);
  const float imm_scale = inst.get_float(attr::activation::scale);
  const int64_t cmd = inst.get_int(attr::activation::reduce_cmd);
  auto &acc = acc_[unsigned(AccumulatorBank::scalar)];
  const uint64_t F = src.free_elements();
  const std::optional<ActValidRange> valid = act_valid_range(func);
  float *x = grow(a_, F);
  for (unsigned r = 0; r < src.num_partitions; ++r) {
    const float b = bias.present() ? load_scalar(bias, r) : 0.0f;
    const float scale = scale_tile.present() ? load_scalar(scale_tile, r) : imm_scale;
    gather_row_f32(src, mem_.row(src, r), x);
    for (uint64_t i = 0; i < F; ++i) x[i] = x[i] * scale + b;
    if (valid && !act_violation_)
      for (uint64_t i = 0; i < F; ++i) {
        // The bounds as fp32 values (the engine's inputs are fp32): sin's
        // input fp32(pi), a little above pi, is in range.
        const float v = valid->magnitude ? std::fabs(x[i]) : x[i];
        if (!(v >= float(valid->lo) && v <= float(valid->hi)) && !std::isnan(x[i])) { // NaN stays NaN either way
          act_violation_ = ActRangeViolation{func, x[i], r, i};
          break;
        }
      }
    act_inplace(func, x, F);
    float &reg = acc[(src.start_partition + r) % acc.size()];
    if (cmd == kReduceReset || cmd == kReduceResetReduce) reg = 0.0f;
    if (cmd == kReduceReduce || cmd == kReduceResetReduce) reg += pairwise_sum(x, F);
    if (red.present()) scatter_row_f32(red, mem_.row(red, r), &reg);
    scatter_row_f32(dst, mem_.row(dst, r), x);
  }
}

// dst[p, i1..ik] = base + partition_step * p + free_step1 * i1 + ... +
// free_stepk * ik, p the row within the AP and i1..ik the indices of dst's
// free dims (outermost first). NKI 2.26 nki.isa, iota: the values are
// computed in int32, then cast to dst's dtype; so the sum wraps to int32
// here, then integer dtypes keep its low bits and float ones round it.
void Executor::iota(const Instruction &inst) {
  using a = attr::iota;
  const AccessPattern &dst = inst.ap[ap::iota::dst];
  const int64_t base = inst.get_int(a::base), ps = inst.get_int(a::partition_step);
  const std::array<int64_t, 4> steps = {inst.get_int(a::free_step1), inst.get_int(a::free_step2),
                                        inst.get_int(a::free_step3), inst.get_int(a::free_step4)};
  const uint64_t F = dst.free_elements();
  int64_t *v = grow(ia_, F);
  float *x = grow(a_, F);
  for (unsigned r = 0; r < dst.num_partitions; ++r) {
    affine_values(base, ps, r, steps, dst, v);
    for (uint64_t j = 0; j < F; ++j) v[j] = int64_t(int32_t(uint32_t(uint64_t(v[j]))));
    if (dtype_is_float(dst.dtype)) {
      for (uint64_t j = 0; j < F; ++j) x[j] = float(v[j]);
      scatter_row_f32(dst, mem_.row(dst, r), x);
    } else {
      scatter_row_i64(dst, mem_.row(dst, r), v);
    }
  }
}

void Executor::memset(const Instruction &inst) {
  const AccessPattern &dst = inst.ap[ap::memset::dst];
  const uint64_t F = dst.free_elements();
  float *x = grow(a_, F);
  std::fill(x, x + F, inst.get_float(attr::memset::value));
  for (unsigned r = 0; r < dst.num_partitions; ++r) scatter_row_f32(dst, mem_.row(dst, r), x);
}

// dst = predicate != 0 ? on_true : on_false, where on_false is a tile like
// dst, a [P|1] per-partition value, or (absent) the immediate fill.
void Executor::select(const Instruction &inst) {
  using f = ap::select;
  const AccessPattern &dst = inst.ap[f::dst], &pred = inst.ap[f::predicate], &on_true = inst.ap[f::on_true],
                      &on_false = inst.ap[f::on_false];
  const float fill = inst.get_float(attr::select::fill);
  const uint64_t F = dst.free_elements();
  const bool false_row = on_false.present() && on_false.free_elements() == F && F != 1;
  float *c = grow(a_, F), *x = grow(b_, F);
  float *y = grow(c_, F);
  for (unsigned r = 0; r < dst.num_partitions; ++r) {
    gather_row_f32(pred, mem_.row(pred, r), c);
    gather_row_f32(on_true, mem_.row(on_true, r), x);
    if (false_row) {
      gather_row_f32(on_false, mem_.row(on_false, r), y);
    } else {
      const float v = on_false.present() ? load_scalar(on_false, r) : fill;
      std::fill(y, y + F, v);
    }
    for (uint64_t j = 0; j < F; ++j) x[j] = c[j] != 0.0f ? x[j] : y[j];
    scatter_row_f32(dst, mem_.row(dst, r), x);
  }
}

// NKI 2.26 nki.isa, select_reduce: dst = where(pred, on_true, on_false),
// computed in fp32 and written in dst's dtype. reverse_pred is a logical
// NOT of the predicate (nonzero reads as false): the documented NumPy model
// writes `~predicate`, a bitwise NOT that would make 0/1 masks all true, but
// the prose says reverse_pred reverses the predicate's meaning. The
// reduction is the max over dst's row as written (NumPy's
// `np.max(result, axis=1)`), folded into the accumulator: -inf after a
// reset, or reduce_res's value when accumulate continues a reduction. NaN
// propagates, as in np.max.
void Executor::select_reduce(const Instruction &inst) {
  using f = ap::select_reduce;
  using a = attr::select_reduce;
  const AccessPattern &dst = inst.ap[f::dst], &pred = inst.ap[f::predicate], &on_true = inst.ap[f::on_true],
                      &on_false = inst.ap[f::on_false], &red = inst.ap[f::reduce_res];
  const bool reverse = inst.get_bool(a::reverse_pred), accumulate = inst.get_bool(a::accumulate);
  const uint64_t F = dst.free_elements();
  float *c = grow(a_, F), *x = grow(b_, F);
  for (unsigned r = 0; r < dst.num_partitions; ++r) {
    gather_row_f32(pred, mem_.row(pred, r), c);
    gather_row_f32(on_true, mem_.row(on_true, r), x);
    const float v = on_false.present() ? load_scalar(on_false, r) : inst.get_float(a::on_false_value);
    for (uint64_t j = 0; j < F; ++j)
      if ((c[j] != 0.0f) == reverse) x[j] = v;
    scatter_row_f32(dst, mem_.row(dst, r), x);
    if (!red.present()) continue;
    gather_row_f32(dst, mem_.row(dst, r), x); // the values dst holds now
    float acc = accumulate ? load_scalar(red, r) : -INFINITY;
    if (F) acc = alu_apply(AluOp::max, acc, reduce_values(AluOp::max, x, F));
    scatter_row_f32(red, mem_.row(red, r), &acc);
    // The Vector engine's register of this lane holds the same (shared with
    // range_select).
    acc_[unsigned(AccumulatorBank::vector)][(dst.start_partition + r) % 128] = acc;
  }
}

// dst keeps its old elements where the predicate says so: raw element bytes
// are copied, so any dtype (and NaN payloads) passes through unchanged.
void Executor::tensor_copy_predicated(const Instruction &inst) {
  using f = ap::tensor_copy_predicated;
  const AccessPattern &dst = inst.ap[f::dst], &src = inst.ap[f::src], &pred = inst.ap[f::predicate];
  const bool reverse = inst.get_bool(attr::tensor_copy_predicated::reverse_pred);
  const uint64_t F = dst.free_elements();
  const uint64_t esz = dtype_size(dst.dtype);
  // The predicate (u8, u16 or u32) is read as integers; the mask comes
  // first so that it is 8-byte aligned.
  uint8_t *base = grow(bytes_, F * sizeof(int64_t) + 2 * F * esz);
  int64_t *mask = reinterpret_cast<int64_t *>(base);
  uint8_t *old = base + F * sizeof(int64_t), *in = old + F * esz;
  for (unsigned r = 0; r < dst.num_partitions; ++r) {
    gather_row_bytes(dst, mem_.row(dst, r), old);
    gather_row_bytes(src, mem_.row(src, r), in);
    gather_row_i64(pred, mem_.row(pred, r), mask);
    for (uint64_t j = 0; j < F; ++j)
      if ((mask[j] != 0) != reverse) std::memcpy(old + j * esz, in + j * esz, esz);
    scatter_row_bytes(dst, mem_.row(dst, r), old);
  }
}

// NKI 2.26 nki.isa, nc_stream_shuffle: per 32-partition quadrant q,
// dst[32q+i, :] = src[32q+mask[i], :], partitions counted from each
// operand's start; an entry of 255 leaves dst[32q+i, :] as it was. Raw
// element bytes move (dst has src's dtype), so NaN payloads pass through.
// All of src is read before dst is written: dst may be src (in place) or
// overlap it.
void Executor::nc_stream_shuffle(const Instruction &inst) {
  using f = ap::nc_stream_shuffle;
  constexpr unsigned mask = attr::nc_stream_shuffle::shuffle_mask;
  const AccessPattern &dst = inst.ap[f::dst], &src = inst.ap[f::src];
  const uint64_t row_bytes = src.free_elements() * dtype_size(src.dtype);
  uint8_t *rows = grow(bytes_, uint64_t(src.num_partitions) * row_bytes);
  for (unsigned r = 0; r < src.num_partitions; ++r) gather_row_bytes(src, mem_.row(src, r), rows + r * row_bytes);
  for (unsigned p = 0; p < dst.num_partitions; ++p) {
    const unsigned i = p % 32, b = inst.get_byte(mask, i);
    if (b == 255) continue;
    scatter_row_bytes(dst, mem_.row(dst, p), rows + uint64_t(p - i + b) * row_bytes);
  }
}

// dst[p, i1..ik] = (base + partition_step*p + free_step1*i1 + ... +
// free_stepk*ik <cmp> 0) ? src : fill, i1..ik the indices of dst's free
// dims (outermost first; src, of the same size, is read in walk order). NKI
// 2.26 documents no integer width for the predicate; it is evaluated in 64
// bits here.
void Executor::affine_select(const Instruction &inst) {
  using a = attr::affine_select;
  const AccessPattern &dst = inst.ap[ap::affine_select::dst], &src = inst.ap[ap::affine_select::src];
  const AluOp cmp = inst.get_alu(a::cmp);
  const int64_t base = inst.get_int(a::base), ps = inst.get_int(a::partition_step);
  const std::array<int64_t, 4> steps = {inst.get_int(a::free_step1), inst.get_int(a::free_step2),
                                        inst.get_int(a::free_step3), inst.get_int(a::free_step4)};
  const float fill = inst.get_float(a::fill);
  const uint64_t F = src.free_elements();
  float *x = grow(a_, F);
  int64_t *vals = grow(ia_, std::max(F, dst.free_elements()));
  for (unsigned r = 0; r < src.num_partitions; ++r) {
    gather_row_f32(src, mem_.row(src, r), x);
    affine_values(base, ps, r, steps, dst, vals);
    for (uint64_t j = 0; j < F; ++j) {
      const int64_t v = vals[j];
      bool keep = false;
      switch (cmp) {
      case AluOp::is_equal: keep = v == 0; break;
      case AluOp::not_equal: keep = v != 0; break;
      case AluOp::is_gt: keep = v > 0; break;
      case AluOp::is_ge: keep = v >= 0; break;
      case AluOp::is_lt: keep = v < 0; break;
      case AluOp::is_le: keep = v <= 0; break;
      default: keep = true; break;
      }
      if (!keep) x[j] = fill;
    }
    scatter_row_f32(dst, mem_.row(dst, r), x);
  }
}

// Per partition, over the free elements in walk order (NKI documents the
// 2-d case; several free dims scan their flattened index here):
// r = op0(data0[i], r) (op0(r, data0[i]) with reverse0), then
// r = op1(r, data1[i]) (op1(data1[i], r) with reverse1); dst[i] = r. r
// starts at initial[p] or initial_imm and stays fp32; only dst is rounded.
void Executor::tensor_tensor_scan(const Instruction &inst) {
  using f = ap::tensor_tensor_scan;
  using a = attr::tensor_tensor_scan;
  const AccessPattern &dst = inst.ap[f::dst], &d0 = inst.ap[f::data0], &d1 = inst.ap[f::data1];
  const AccessPattern &init = inst.ap[f::initial];
  const AluOp op0 = inst.get_alu(a::op0), op1 = inst.get_alu(a::op1);
  const bool rev0 = inst.get_bool(a::reverse0), rev1 = inst.get_bool(a::reverse1);
  const uint64_t F = d0.free_elements();
  float *x = grow(a_, F), *y = grow(b_, F);
  for (unsigned r = 0; r < d0.num_partitions; ++r) {
    float acc = init.present() ? load_scalar(init, r) : inst.get_float(a::initial_imm);
    gather_row_f32(d0, mem_.row(d0, r), x);
    gather_row_f32(d1, mem_.row(d1, r), y);
    for (uint64_t i = 0; i < F; ++i) {
      acc = rev0 ? alu_apply(op0, acc, x[i]) : alu_apply(op0, x[i], acc);
      acc = rev1 ? alu_apply(op1, y[i], acc) : alu_apply(op1, acc, y[i]);
      x[i] = acc;
    }
    scatter_row_f32(dst, mem_.row(dst, r), x);
  }
}

namespace {
// (count, mean, count * variance) of n fp32 values: the mean is the
// pairwise sum over n, the third the pairwise sum of squared deviations
// from it (NumPy's np.mean / np.var order). An empty group is (0, 0, 0).
void group_stats(const float *x, size_t n, float *scratch, float out[3]) {
  if (n == 0) {
    out[0] = out[1] = out[2] = 0.0f;
    return;
  }
  const float count = float(n);
  const float mean = pairwise_sum(x, n) / count;
  for (size_t i = 0; i < n; ++i) {
    const float d = x[i] - mean;
    scratch[i] = d * d;
  }
  out[0] = count;
  out[1] = mean;
  out[2] = pairwise_sum(scratch, n);
}
} // namespace

// dst[p] = stats of the even-indexed elements, then of the odd-indexed ones
// (NKI 2.26 bn_stats), each computed in fp32 as group_stats says.
void Executor::bn_stats(const Instruction &inst) {
  const AccessPattern &dst = inst.ap[ap::bn_stats::dst], &src = inst.ap[ap::bn_stats::src];
  const uint64_t F = src.free_elements();
  float *x = grow(a_, F), *half = grow(b_, F), *sq = grow(c_, F);
  for (unsigned r = 0; r < src.num_partitions; ++r) {
    gather_row_f32(src, mem_.row(src, r), x);
    float out[6];
    for (unsigned parity = 0; parity < 2; ++parity) {
      size_t n = 0;
      for (uint64_t i = parity; i < F; i += 2) half[n++] = x[i];
      group_stats(half, n, sq, out + 3 * parity);
    }
    scatter_row_f32(dst, mem_.row(dst, r), out);
  }
}

// Chan et al.'s combination of (count, mean, M2) groups, in order, in fp32:
// mean = sum(c_i m_i) / n, var = (sum M2_i + sum c_i (m_i - mean)^2) / n
// (population variance, as np.var). Groups with count 0 add nothing; no
// group at all gives (0, 0).
void Executor::bn_aggr(const Instruction &inst) {
  const AccessPattern &dst = inst.ap[ap::bn_aggr::dst], &src = inst.ap[ap::bn_aggr::src];
  const uint64_t F = src.free_elements(), groups = F / 3;
  float *x = grow(a_, F);
  for (unsigned r = 0; r < src.num_partitions; ++r) {
    gather_row_f32(src, mem_.row(src, r), x);
    float n = 0, weighted = 0, m2 = 0;
    for (uint64_t g = 0; g < groups; ++g) {
      n += x[3 * g];
      weighted += x[3 * g] * x[3 * g + 1];
    }
    float out[2] = {0.0f, 0.0f};
    if (n > 0) {
      const float mean = weighted / n;
      for (uint64_t g = 0; g < groups; ++g) {
        const float d = x[3 * g + 1] - mean;
        m2 += x[3 * g + 2] + x[3 * g] * (d * d);
      }
      out[0] = mean;
      out[1] = m2 / n;
    }
    scatter_row_f32(dst, mem_.row(dst, r), out);
  }
}

namespace {
// Descending order with NaN first (np.sort(x)[::-1]: NaN sorts last in
// ascending order); NKI does not document NaN or ties.
bool before_desc(float a, float b) {
  if (std::isnan(a)) return !std::isnan(b);
  if (std::isnan(b)) return false;
  return a > b;
}
} // namespace

// dst[p] = the 8 largest of src[p] in descending order; equal values appear
// once per occurrence (-0.0 and 0.0 keep their walk order).
void Executor::max8(const Instruction &inst) {
  const AccessPattern &dst = inst.ap[ap::max8::dst], &src = inst.ap[ap::max8::src];
  const uint64_t F = src.free_elements();
  float *x = grow(a_, F);
  for (unsigned r = 0; r < src.num_partitions; ++r) {
    gather_row_f32(src, mem_.row(src, r), x);
    std::partial_sort(x, x + 8, x + F, before_desc);
    scatter_row_f32(dst, mem_.row(dst, r), x);
  }
}

// dst[p, k] = the first i with data[p, i] == vals[p, k], compared as fp32
// (NaN matches nothing). A value not in data is undefined in NKI; here it
// gives -1 (all ones as the documented uint32).
void Executor::nc_find_index8(const Instruction &inst) {
  using f = ap::nc_find_index8;
  const AccessPattern &dst = inst.ap[f::dst], &data = inst.ap[f::data], &vals = inst.ap[f::vals];
  const uint64_t F = data.free_elements();
  float *x = grow(a_, F), *v = grow(b_, 8);
  int64_t *out = grow(ia_, 8);
  for (unsigned r = 0; r < data.num_partitions; ++r) {
    gather_row_f32(data, mem_.row(data, r), x);
    gather_row_f32(vals, mem_.row(vals, r), v);
    for (unsigned k = 0; k < 8; ++k) {
      out[k] = -1;
      for (uint64_t i = 0; i < F; ++i)
        if (x[i] == v[k]) {
          out[k] = int64_t(i);
          break;
        }
    }
    scatter_row_i64(dst, mem_.row(dst, r), out);
  }
}

// t = data op0 s0 (s0 op0 data with reverse0), s0 = operand0[p] or imm0;
// dst = t op1 operand1 (operand1 op1 t with reverse1); fp32 throughout.
void Executor::scalar_tensor_tensor(const Instruction &inst) {
  using f = ap::scalar_tensor_tensor;
  using a = attr::scalar_tensor_tensor;
  const AccessPattern &dst = inst.ap[f::dst], &data = inst.ap[f::data];
  const AccessPattern &sc0 = inst.ap[f::operand0], &op1t = inst.ap[f::operand1];
  const AluOp op0 = inst.get_alu(a::op0), op1 = inst.get_alu(a::op1);
  const bool rev0 = inst.get_bool(a::reverse0), rev1 = inst.get_bool(a::reverse1);
  const uint64_t F = data.free_elements();
  float *x = grow(a_, F), *y = grow(b_, F);
  for (unsigned r = 0; r < data.num_partitions; ++r) {
    const float v0 = sc0.present() ? load_scalar(sc0, r) : inst.get_float(a::imm0);
    gather_row_f32(data, mem_.row(data, r), x);
    gather_row_f32(op1t, mem_.row(op1t, r), y);
    alu_tensor_scalar(op0, x, v0, rev0, x, F);
    for (uint64_t i = 0; i < F; ++i) x[i] = rev1 ? alu_apply(op1, y[i], x[i]) : alu_apply(op1, x[i], y[i]);
    scatter_row_f32(dst, mem_.row(dst, r), x);
  }
}

// dst = 1 / src, one IEEE fp32 division per element (NKI: the Vector
// engine's reciprocal is the precise one, unlike the Scalar activation).
void Executor::reciprocal(const Instruction &inst) {
  const AccessPattern &dst = inst.ap[ap::reciprocal::dst], &src = inst.ap[ap::reciprocal::src];
  const uint64_t F = src.free_elements();
  float *x = grow(a_, F);
  for (unsigned r = 0; r < src.num_partitions; ++r) {
    gather_row_f32(src, mem_.row(src, r), x);
    for (uint64_t i = 0; i < F; ++i) x[i] = 1.0f / x[i];
    scatter_row_f32(dst, mem_.row(dst, r), x);
  }
}

// dst[0, j] = data[0, j] op data[1, j] op ... in partition order (a left
// fold; add is not pairwise here: NKI documents no order); bitwise ops on
// the integer values.
void Executor::tensor_partition_reduce(const Instruction &inst) {
  const AccessPattern &dst = inst.ap[ap::tensor_partition_reduce::dst];
  const AccessPattern &data = inst.ap[ap::tensor_partition_reduce::data];
  const AluOp op = inst.get_alu(attr::tensor_partition_reduce::op);
  const uint64_t F = data.free_elements();
  if (alu_kind(op) == AluKind::bitwise) {
    int64_t *acc = grow(ia_, F), *x = grow(ib_, F);
    gather_row_i64(data, mem_.row(data, 0), acc);
    for (unsigned r = 1; r < data.num_partitions; ++r) {
      gather_row_i64(data, mem_.row(data, r), x);
      for (uint64_t i = 0; i < F; ++i) acc[i] = alu_apply_int(op, acc[i], x[i]);
    }
    scatter_row_i64(dst, mem_.row(dst, 0), acc);
    return;
  }
  float *acc = grow(a_, F), *x = grow(b_, F);
  gather_row_f32(data, mem_.row(data, 0), acc);
  for (unsigned r = 1; r < data.num_partitions; ++r) {
    gather_row_f32(data, mem_.row(data, r), x);
    alu_tensor_tensor(op, acc, x, acc, F);
  }
  scatter_row_f32(dst, mem_.row(dst, 0), acc);
}

// NKI's model: for k = 0..7 in order, the first element of the (flattened)
// row equal to vals[k] (fp32 comparison) becomes imm and its index goes to
// dst_idx[k]; duplicate vals therefore match successive occurrences. A
// value not found is undefined in NKI: here its index is -1 and nothing is
// replaced. dst = the row after the replacements.
void Executor::nc_match_replace8(const Instruction &inst) {
  using f = ap::nc_match_replace8;
  const AccessPattern &dst = inst.ap[f::dst], &data = inst.ap[f::data], &vals = inst.ap[f::vals];
  const AccessPattern &idx = inst.ap[f::dst_idx];
  const float imm = inst.get_float(attr::nc_match_replace8::imm);
  const uint64_t F = data.free_elements();
  float *x = grow(a_, F), *v = grow(b_, 8);
  int64_t *out = grow(ia_, 8);
  for (unsigned r = 0; r < data.num_partitions; ++r) {
    gather_row_f32(data, mem_.row(data, r), x);
    gather_row_f32(vals, mem_.row(vals, r), v);
    for (unsigned k = 0; k < 8; ++k) {
      out[k] = -1;
      for (uint64_t i = 0; i < F; ++i)
        if (x[i] == v[k]) {
          out[k] = int64_t(i);
          x[i] = imm;
          break;
        }
    }
    if (idx.present()) scatter_row_i64(idx, mem_.row(idx, r), out);
    scatter_row_f32(dst, mem_.row(dst, r), x);
  }
}

// NKI's reference: runs of equal, nonzero ids (compared with the previous
// element: a repeated id that is not contiguous starts a new run); each
// element gets its run's first index and one past its last; id 0 is
// padding, (n, -1). Ids are read as fp32 (or i32) values.
void Executor::sequence_bounds(const Instruction &inst) {
  const AccessPattern &dst = inst.ap[ap::sequence_bounds::dst], &ids = inst.ap[ap::sequence_bounds::segment_ids];
  const uint64_t n = ids.free_elements();
  float *x = grow(a_, n), *out = grow(b_, 2 * n);
  gather_row_f32(ids, mem_.row(ids, 0), x);
  uint64_t start = 0;
  for (uint64_t i = 0; i <= n; ++i) {
    if (i < n && i > 0 && x[i] == x[i - 1]) continue;
    // [start, i) is a run (when i > 0).
    for (uint64_t j = start; j < i; ++j) {
      const bool pad = x[j] == 0.0f;
      out[j] = pad ? float(n) : float(start);
      out[n + j] = pad ? -1.0f : float(i);
    }
    start = i;
  }
  scatter_row_f32(dst, mem_.row(dst, 0), out);
}

// dst[p, i] = 0 where u(seed, p, i) < prob, else src[p, i], u uniform on
// [0, 1) from splitmix64 of (seed, partition, element): deterministic and
// order independent. NKI documents no generator and no rescaling of the
// kept values; neither is done here. prob = prob[p] (a [P|1] tile) or
// prob_imm; prob >= 1 drops everything, prob <= 0 nothing.
void Executor::dropout(const Instruction &inst) {
  const AccessPattern &dst = inst.ap[ap::dropout::dst], &src = inst.ap[ap::dropout::src];
  const AccessPattern &prob = inst.ap[ap::dropout::prob];
  const uint64_t seed = uint64_t(inst.get_int(attr::dropout::seed));
  const uint64_t F = src.free_elements();
  if (dst.dtype == src.dtype && !dtype_is_float(src.dtype)) {
    int64_t *x = grow(ia_, F);
    for (unsigned r = 0; r < src.num_partitions; ++r) {
      const float pr = prob.present() ? load_scalar(prob, r) : inst.get_float(attr::dropout::prob_imm);
      gather_row_i64(src, mem_.row(src, r), x);
      SplitMix64 rng(seed ^ (uint64_t(src.start_partition + r) * 0x9e3779b97f4a7c15ull));
      for (uint64_t i = 0; i < F; ++i)
        if (float(rng.next() >> 40) * 0x1p-24f < pr) x[i] = 0;
      scatter_row_i64(dst, mem_.row(dst, r), x);
    }
    return;
  }
  float *x = grow(a_, F);
  for (unsigned r = 0; r < src.num_partitions; ++r) {
    const float pr = prob.present() ? load_scalar(prob, r) : inst.get_float(attr::dropout::prob_imm);
    gather_row_f32(src, mem_.row(src, r), x);
    SplitMix64 rng(seed ^ (uint64_t(src.start_partition + r) * 0x9e3779b97f4a7c15ull));
    for (uint64_t i = 0; i < F; ++i)
      if (float(rng.next() >> 40) * 0x1p-24f < pr) x[i] = 0.0f;
    scatter_row_f32(dst, mem_.row(dst, r), x);
  }
}

// NKI 2.26's model (its NumPy reference): each group of 16 partitions (a
// GpSimd core) flattens its slice of `index` partition-major (column-major,
// order='F') and keeps the first nv values; value k is an element offset
// into each partition's src row (NKI's test passes index * E), and
// dst[p, k*E + e] = src[p, offset_k + e], raw elements (no conversion). An
// offset past the row is undefined in NKI; here the element is 0.
void Executor::local_gather(const Instruction &inst) {
  using f = ap::local_gather;
  const AccessPattern &dst = inst.ap[f::dst], &src = inst.ap[f::src], &index = inst.ap[f::index];
  const uint64_t e = uint64_t(inst.get_int(attr::local_gather::num_elem_per_idx));
  const uint64_t F = src.free_elements(), K = index.free_elements();
  const uint64_t nv = dst.free_elements() / e;
  const uint64_t esz = dtype_size(src.dtype);
  uint8_t *row = grow(bytes_, (F + nv * e) * esz);
  uint8_t *out = row + F * esz;
  int64_t *idx = grow(ia_, 16 * K), *offsets = grow(ib_, nv);
  for (unsigned g = 0; g < src.num_partitions; g += 16) {
    for (unsigned q = 0; q < 16; ++q) gather_row_i64(index, mem_.row(index, g + q), idx + q * K);
    for (uint64_t k = 0; k < nv; ++k) offsets[k] = idx[(k % 16) * K + k / 16]; // partition-major
    for (unsigned q = 0; q < 16; ++q) {
      gather_row_bytes(src, mem_.row(src, g + q), row);
      for (uint64_t k = 0; k < nv; ++k)
        for (uint64_t j = 0; j < e; ++j) {
          const int64_t o = offsets[k] + int64_t(j);
          uint8_t *d = out + (k * e + j) * esz;
          if (o >= 0 && uint64_t(o) < F)
            std::memcpy(d, row + uint64_t(o) * esz, esz);
          else
            std::memset(d, 0, esz);
        }
      scatter_row_bytes(dst, mem_.row(dst, g + q), out);
    }
  }
}

// The offset is read at run time from offset[0, 0]; the window of W
// elements moves within the region (src for _src, dst for _dst), flat free
// index. An offset that puts the window outside the region is not
// documented in NKI: those elements are not copied (_dst) or read as 0
// (_src). Values convert through fp32 when the dtypes differ, raw otherwise.
void Executor::tensor_copy_dynamic(const Instruction &inst) {
  const bool src_moves = inst.op == Opcode::tensor_copy_dynamic_src;
  const AccessPattern &dst = inst.ap[0], &src = inst.ap[1], &offset = inst.ap[2];
  int64_t idx = 0, off = 0;
  gather_row_i64(offset, mem_.row(offset, 0), &idx);
  // offset_stride: the same slot in both instructions. An overflowing
  // product is outside any region.
  static_assert(unsigned(attr::tensor_copy_dynamic_src::offset_stride) ==
                unsigned(attr::tensor_copy_dynamic_dst::offset_stride));
  if (__builtin_mul_overflow(idx, inst.get_int(attr::tensor_copy_dynamic_src::offset_stride), &off))
    off = std::numeric_limits<int64_t>::min() / 2;
  const uint64_t R = (src_moves ? src : dst).free_elements(), W = (src_moves ? dst : src).free_elements();
  if (src.dtype == dst.dtype) { // raw elements: exact for every dtype
    const uint64_t esz = dtype_size(src.dtype);
    uint8_t *reg = grow(bytes_, (R + W) * esz), *win = reg + R * esz;
    for (unsigned r = 0; r < dst.num_partitions; ++r) {
      if (src_moves) {
        gather_row_bytes(src, mem_.row(src, r), reg);
        for (uint64_t j = 0; j < W; ++j) {
          const int64_t i = off + int64_t(j);
          if (i >= 0 && uint64_t(i) < R)
            std::memcpy(win + j * esz, reg + uint64_t(i) * esz, esz);
          else
            std::memset(win + j * esz, 0, esz);
        }
        scatter_row_bytes(dst, mem_.row(dst, r), win);
      } else {
        gather_row_bytes(dst, mem_.row(dst, r), reg); // the rest of the region keeps its bytes
        gather_row_bytes(src, mem_.row(src, r), win);
        for (uint64_t j = 0; j < W; ++j) {
          const int64_t i = off + int64_t(j);
          if (i >= 0 && uint64_t(i) < R) std::memcpy(reg + uint64_t(i) * esz, win + j * esz, esz);
        }
        scatter_row_bytes(dst, mem_.row(dst, r), reg);
      }
    }
    return;
  }
  float *region = grow(a_, R), *window = grow(b_, W);
  for (unsigned r = 0; r < dst.num_partitions; ++r) {
    if (src_moves) {
      gather_row_f32(src, mem_.row(src, r), region);
      for (uint64_t j = 0; j < W; ++j) {
        const int64_t i = off + int64_t(j);
        window[j] = i >= 0 && uint64_t(i) < R ? region[i] : 0.0f;
      }
      scatter_row_f32(dst, mem_.row(dst, r), window);
    } else {
      gather_row_f32(dst, mem_.row(dst, r), region); // the rest of the region keeps its values
      gather_row_f32(src, mem_.row(src, r), window);
      for (uint64_t j = 0; j < W; ++j) {
        const int64_t i = off + int64_t(j);
        if (i >= 0 && uint64_t(i) < R) region[i] = window[j];
      }
      scatter_row_f32(dst, mem_.row(dst, r), region);
    }
  }
}

// NKI 2.26's reference: the index range_start + j (flat free index) is
// compared in fp32 with each partition's bounds; where both comparisons
// hold dst is on_true, else on_false_value (NKI requires FP32_MIN there; a
// bf16/fp16 dst rounds it to -inf). The max m of the row is taken on the
// fp32 values, before dst's conversion (NKI's stability note: with a bf16
// dst, an fp32 reduce_res of an all-fill row holds FP32_MIN, not -inf); NaN
// propagates, as in np.max. The Vector engine's accumulator of lane p
// (on_true's partition) by reduce_cmd: reset = -inf (select_reduce's reset
// value), reduce = max(acc, m), reset_reduce = m; reduce_res[p] = acc[p]
// after, or m itself when idle ("not using the accumulator registers").
void Executor::range_select(const Instruction &inst) {
  using f = ap::range_select;
  using a = attr::range_select;
  const AccessPattern &dst = inst.ap[f::dst], &on_true = inst.ap[f::on_true];
  const AccessPattern &b0 = inst.ap[f::bound0], &b1 = inst.ap[f::bound1];
  const AluOp c0 = inst.get_alu(a::cmp0), c1 = inst.get_alu(a::cmp1);
  const float fill = inst.get_float(a::on_false_value);
  const int64_t start = inst.get_int(a::range_start);
  const int64_t cmd = inst.get_int(a::reduce_cmd);
  const AccessPattern &red = inst.ap[f::reduce_res];
  auto &acc = acc_[unsigned(AccumulatorBank::vector)];
  const uint64_t F = on_true.free_elements();
  float *x = grow(a_, F);
  for (unsigned r = 0; r < on_true.num_partitions; ++r) {
    const float lo = load_scalar(b0, r), hi = load_scalar(b1, r);
    gather_row_f32(on_true, mem_.row(on_true, r), x);
    for (uint64_t j = 0; j < F; ++j) {
      const float idx = float(start + int64_t(j));
      if (alu_apply(c0, idx, lo) == 0.0f || alu_apply(c1, idx, hi) == 0.0f) x[j] = fill;
    }
    const float m = F ? reduce_values(AluOp::max, x, F) : -INFINITY;
    float &reg = acc[(on_true.start_partition + r) % acc.size()];
    if (cmd == kReduceReset) reg = -INFINITY;
    if (cmd == kReduceReduce) reg = alu_apply(AluOp::max, reg, m);
    if (cmd == kReduceResetReduce) reg = m;
    if (red.present()) {
      const float out = cmd == kReduceIdle ? m : reg;
      scatter_row_f32(red, mem_.row(red, r), &out);
    }
    scatter_row_f32(dst, mem_.row(dst, r), x);
  }
}

} // namespace nk
