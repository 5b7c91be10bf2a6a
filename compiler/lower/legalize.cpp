// legalize: flat Tile IR -> LIR. See legalize.h for the op mapping. Which
// ops fold into others is decided first, in one place (fusion_plan.h); this
// file emits the instructions of that plan.
#include "compiler/lower/legalize.h"
#include "compiler/lower/fusion_plan.h"
#include "runtime/rendered_diagnostics.h"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

namespace nk {

namespace {

using lir::BufferId;
using lir::kNoBuffer;
using tir::Op;
using tir::OpKind;
using tir::ValueId;

// Where a TIR value lives: an HBM region (offset + dims, all dims in the
// list) or a region of an on-chip buffer ([partitions] x free dims).
struct Place {
  enum Kind : uint8_t { none, hbm, tile } kind = none;
  Dtype dtype = Dtype::f32;
  BufferId buffer = kNoBuffer;
  uint32_t start_partition = 0, partitions = 0;
  uint64_t offset = 0;   // bytes: HBM address, or within the buffer's partitions
  std::vector<Dim> dims; // HBM: every dim; tile: free dims only
  // HBM with a run-time index (a view such as cache[bt[b, j], h]): the
  // index's own place (Legalizer::index_places) and the dim it moves along.
  int32_t index = -1;
  int64_t index_stride = 0, index_count = 0;
  // A tile view whose (partition, free...) dims are read in this order
  // (isa.dma_transpose from SBUF): start_partition/partitions/dims describe
  // the view before the permutation. Only lower_sbuf_transpose reads it.
  std::vector<uint8_t> perm;
  uint64_t free_elements() const {
    uint64_t n = 1;
    for (const Dim &d : dims) n *= d.count;
    return n;
  }
};

constexpr EngineMask kDma = engine_bit(Engine::dma);
constexpr EngineMask kPe = engine_bit(Engine::tensor);
constexpr EngineMask kAct = engine_bit(Engine::scalar);
constexpr EngineMask kPool = engine_bit(Engine::gpsimd);
constexpr EngineMask kDve = engine_bit(Engine::vector);

// Drops count-1 dims and merges dims that walk memory contiguously, so a
// pattern uses as few dims as possible.
std::vector<Dim> simplify(const std::vector<Dim> &in) {
  std::vector<Dim> out;
  for (const Dim &d : in) {
    if (d.count == 1) continue;
    if (!out.empty() && out.back().stride == d.stride * int64_t(d.count)) {
      out.back().stride = d.stride;
      out.back().count *= d.count;
      continue;
    }
    out.push_back(d);
  }
  return out;
}

class Legalizer {
public:
  Legalizer(const tir::Module &m, const Target &t) : m(m), t(t), place(m.values.size()) {}

  llvm::Expected<lir::Program> run() {
    out.kernel = m.kernel;
    out.target = m.target;
    out.files = {m.file};
    layout_tensors();
    plan = plan_fusions(m);
    out.insts.reserve(m.body.size() + m.body.size() / 2);
    for (size_t i = 0; i < m.body.size(); ++i) {
      if (plan.skip.count(i)) continue;
      cur = i;
      lower(m.body[i]);
      if (!error.empty()) return rendered_diagnostics(error); // FILE:LINE:COL: error: cannot lower ...
    }
    realign_partitions();
    if (!error.empty()) return rendered_diagnostics(error);
    return std::move(out);
  }

private:
  const tir::Module &m;
  const Target &t;
  lir::Program out;
  std::vector<Place> place;        // by ValueId
  std::vector<Place> index_places; // the run-time indices of HBM views (Place::index)
  FusionPlan plan;                 // which ops other ops' instructions compute (fusion_plan.h)
  size_t cur = 0;
  std::string error;

  // ---- setup -------------------------------------------------------------
  void layout_tensors() {
    uint64_t at = 0;
    for (const tir::TensorParam &tp : m.tensors) {
      const tir::Type &ty = m.value(tp.value).type;
      TensorDecl d;
      d.name = tp.name;
      d.dtype = ty.dtype;
      d.shape = ty.shape;
      d.hbm_offset = at;
      d.kind = tp.role == tir::TensorRole::input    ? TensorKind::input
               : tp.role == tir::TensorRole::output ? TensorKind::output
                                                    : TensorKind::scratch;
      at = (at + d.size_bytes() + 63) / 64 * 64;
      Place &p = place[tp.value];
      p.kind = Place::hbm;
      p.dtype = d.dtype;
      p.offset = d.hbm_offset;
      int64_t stride = 1;
      p.dims.assign(ty.shape.size(), Dim{});
      for (size_t k = ty.shape.size(); k-- > 0;) {
        p.dims[k] = Dim{stride, uint32_t(ty.shape[k])};
        stride *= ty.shape[k];
      }
      out.tensors.push_back(d);
    }
    out.hbm_size = std::max<uint64_t>(at, 64);
  }

  // Compute engines may start an access only at certain partitions (more
  // than 64 partitions: 0; 33-64: 0 or 64; 1-32: 0, 32, 64 or 96). A view
  // starting elsewhere (e.g. rows 4..8 of a tile) is moved through an
  // aligned scratch tile by a DMA queue, which may start anywhere: inputs
  // are copied in before the instruction, outputs copied out after it.
  static bool aligned(unsigned start, unsigned count) {
    return count > 64 ? start == 0 : count > 32 ? (start == 0 || start == 64) : start % 32 == 0;
  }
  void realign_partitions() {
    std::vector<lir::Inst> result;
    result.reserve(out.insts.size());
    for (lir::Inst &in : out.insts) {
      if (in.engines & kDma) {
        result.push_back(in);
        continue;
      }
      const OpInfo &info = op_info(in.inst.op);
      std::vector<lir::Inst> after;
      for (unsigned k = 0; k < info.num_aps; ++k) {
        AccessPattern &a = in.inst.ap[k];
        if (!a.on_chip() || aligned(a.start_partition, a.num_partitions)) continue;
        if (a.mem == Memory::psum) { // the DMA queues reach HBM and SBUF only (NKI 2.26 dma_copy)
          if (error.empty())
            error = fmt::format("{}:{}:{}: error: cannot lower {}: its {} is a PSUM view at partitions [{}, {}), where "
                                "compute engines cannot start ({} partitions start at {}), and no DMA reaches "
                                "PSUM to realign it; copy the PSUM tile to SBUF first and view the rows there",
                                m.file, in.inst.loc.line, in.inst.loc.col, op_info(in.inst.op).name,
                                op_info(in.inst.op).aps[k].name, a.start_partition,
                                a.start_partition + a.num_partitions, a.num_partitions,
                                a.num_partitions > 64   ? "0"
                                : a.num_partitions > 32 ? "0 or 64"
                                                        : "0, 32, 64 or 96");
          continue;
        }
        lir::Buffer b;
        b.name = fmt::format("align{}", out.buffers.size());
        b.mem = out.buffers[in.buffer[k]].mem;
        b.partitions = a.num_partitions;
        b.bytes = a.free_elements() * dtype_size(a.dtype);
        b.loc = in.inst.loc;
        BufferId sb = out.add_buffer(b);
        AccessPattern aligned_ap = a;
        aligned_ap.start_partition = 0;
        aligned_ap.offset = 0;
        aligned_ap.num_dims = 1;
        aligned_ap.dims[0] = Dim{1, uint32_t(a.free_elements())};
        lir::Inst copy;
        copy.inst = Instruction::make(Opcode::dma_copy);
        copy.inst.loc = in.inst.loc;
        copy.engines = kDma;
        const bool is_out = operand_writes(in.inst, k);
        if (operand_reads(in.inst, k)) { // bring the data in
          lir::Inst c = copy;
          c.inst.ap[ap::dma_copy::dst] = aligned_ap;
          c.buffer[ap::dma_copy::dst] = sb;
          c.inst.ap[ap::dma_copy::src] = a;
          c.buffer[ap::dma_copy::src] = in.buffer[k];
          result.push_back(c);
        }
        if (is_out) { // and take the result out
          lir::Inst c = copy;
          c.inst.ap[ap::dma_copy::dst] = a;
          c.buffer[ap::dma_copy::dst] = in.buffer[k];
          c.inst.ap[ap::dma_copy::src] = aligned_ap;
          c.buffer[ap::dma_copy::src] = sb;
          after.push_back(c);
        }
        a = aligned_ap;
        in.buffer[k] = sb;
      }
      result.push_back(in);
      for (const lir::Inst &c : after) result.push_back(c);
    }
    out.insts = std::move(result);
  }

  // ---- places and patterns ----------------------------------------------
  Place new_tile(ValueId v, const tir::Type &ty) {
    auto it = plan.write_into.find(v);
    if (it != plan.write_into.end()) return place[it->second];
    lir::Buffer b;
    const tir::Value &val = m.value(v);
    b.name = val.name.empty() ? fmt::format("t{}", v) : fmt::format("{}.{}", val.name, v);
    b.mem = ty.mem == Memory::psum ? Memory::psum : Memory::sbuf;
    b.partitions = uint32_t(ty.partitions());
    b.bytes = uint64_t(ty.free_elements()) * dtype_size(ty.dtype);
    b.loc = DebugLoc{1, val.loc.line, val.loc.col};
    return tile_place(out.add_buffer(b), ty);
  }
  Place tile_place(BufferId b, const tir::Type &ty) {
    Place p;
    p.kind = Place::tile;
    p.dtype = ty.dtype;
    p.buffer = b;
    p.partitions = uint32_t(ty.partitions());
    int64_t stride = 1;
    p.dims.assign(ty.shape.size() > 1 ? ty.shape.size() - 1 : 0, Dim{});
    for (size_t k = ty.shape.size(); k-- > 1;) {
      p.dims[k - 1] = Dim{stride, uint32_t(ty.shape[k])};
      stride *= ty.shape[k];
    }
    return p;
  }
  Place scratch(const char *name, Memory mem, Dtype dt, uint32_t parts, const std::vector<int64_t> &free) {
    lir::Buffer b;
    b.name = fmt::format("{}{}", name, out.buffers.size());
    b.mem = mem;
    b.partitions = parts;
    int64_t n = 1;
    for (int64_t f : free) n *= f;
    b.bytes = uint64_t(n) * dtype_size(dt);
    b.loc = DebugLoc{1, m.body[cur].loc.line, m.body[cur].loc.col};
    tir::Type ty;
    ty.mem = mem;
    ty.dtype = dt;
    ty.shape.push_back(parts);
    for (int64_t f : free) ty.shape.push_back(f);
    return tile_place(out.add_buffer(b), ty);
  }

  bool fail(const std::string &msg) {
    if (error.empty())
      error = fmt::format("{}:{}:{}: error: cannot lower {}: {}", m.file, m.body[cur].loc.line, m.body[cur].loc.col,
                          tir::op_kind_name(m.body[cur].kind).str(), msg);
    return false;
  }

  AccessPattern pattern(const Place &p) {
    AccessPattern a;
    a.dtype = p.dtype;
    std::vector<Dim> dims = simplify(p.dims);
    if (p.kind == Place::hbm) {
      a.mem = Memory::hbm;
      a.offset = p.offset;
      if (dims.size() > kMaxHbmDims) fail("an HBM view needs more than 5 dimensions");
    } else {
      a.mem = out.buffers[p.buffer].mem;
      a.start_partition = uint16_t(p.start_partition);
      a.num_partitions = uint16_t(p.partitions);
      a.offset = p.offset;
      if (dims.size() > kMaxFreeDims) fail("a tile view needs more than 4 free dimensions");
    }
    if (dims.empty()) dims.push_back(Dim{1, 1});
    a.num_dims = uint8_t(std::min<size_t>(dims.size(), kMaxHbmDims));
    for (unsigned i = 0; i < a.num_dims; ++i) a.dims[i] = dims[i];
    return a;
  }
  // An HBM pattern whose leading dim pairs with `parts` partitions: used by
  // DMA, which pairs elements in order, so only the element order matters.
  AccessPattern hbm_pattern(const Place &p) { return pattern(p); }

  // `p` broadcast along free dims to `shape` (count-1 dims get stride 0).
  Place broadcast(Place p, const tir::Type &ty) {
    size_t nfree = ty.shape.size() > 1 ? ty.shape.size() - 1 : 0;
    if (p.dims.size() != nfree) return p;
    for (size_t k = 0; k < nfree; ++k)
      if (p.dims[k].count == 1 && ty.shape[k + 1] != 1) p.dims[k] = Dim{0, uint32_t(ty.shape[k + 1])};
    return p;
  }

  // ---- emission --------------------------------------------------------------
  lir::Inst &emit(Opcode op, EngineMask engines) {
    lir::Inst in;
    in.inst = Instruction::make(op);
    in.engines = engines & op_info(op).engines;
    in.inst.loc = DebugLoc{1, m.body[cur].loc.line, m.body[cur].loc.col};
    out.insts.push_back(in);
    return out.insts.back();
  }
  void set(lir::Inst &in, unsigned slot, const Place &p) {
    if (!p.perm.empty()) {
      fail("a permuted view of a tile is only isa.dma_transpose's source");
      return;
    }
    if (p.index >= 0) { // an indirect load / store: the index rides along as src_index / dst_index
      if (in.inst.op != Opcode::dma_copy || (slot != ap::dma_copy::src && slot != ap::dma_copy::dst)) {
        fail("a run-time index into HBM can only address the source of a load or the destination of a store (an "
             "indirect DMA)");
        return;
      }
      const unsigned ix_slot = slot == ap::dma_copy::src ? ap::dma_copy::src_index : ap::dma_copy::dst_index;
      const Place &ix = index_places[size_t(p.index)];
      in.inst.ap[ix_slot] = pattern(ix);
      in.buffer[ix_slot] = ix.buffer;
      in.inst.attr[attr::dma_copy::index_stride].i = p.index_stride;
      in.inst.attr[attr::dma_copy::index_count].i = p.index_count;
    }
    in.inst.ap[slot] = pattern(p);
    in.buffer[slot] = p.kind == Place::tile ? p.buffer : kNoBuffer;
  }
  // tensor_reduce's src over its own dims (not simplified: the axes mask
  // indexes them, as the front end's rules do), innermost = bit 0. True
  // when it had none (then one dim of 1).
  bool set_reduce_src(lir::Inst &in, const Place &src) {
    set(in, ap::tensor_reduce::src, src);
    AccessPattern &a = in.inst.ap[ap::tensor_reduce::src];
    a.num_dims = uint8_t(src.dims.size());
    for (size_t k = 0; k < src.dims.size(); ++k) a.dims[k] = src.dims[k];
    if (a.num_dims > 0) return false;
    a.num_dims = 1;
    a.dims[0] = Dim{1, 1};
    return true;
  }
  // An operand over its place's own dims (not simplified), as the front end
  // saw them.
  void set_own_dims(lir::Inst &in, unsigned slot, const Place &p) {
    set(in, slot, p);
    AccessPattern &a = in.inst.ap[slot];
    if (p.dims.empty() || p.dims.size() > 4) return;
    a.num_dims = uint8_t(p.dims.size());
    for (size_t k = 0; k < p.dims.size(); ++k) a.dims[k] = p.dims[k];
  }
  void copy(const Place &dst, const Place &src) {
    lir::Inst &in = emit(Opcode::tensor_copy, kDve | kAct | kPool);
    set(in, ap::tensor_copy::dst, dst);
    set(in, ap::tensor_copy::src, src);
  }
  void scale_copy(const Place &dst, const Place &src, AluOp op, float imm) {
    lir::Inst &in = emit(Opcode::tensor_scalar, kDve | kAct | kPool);
    set(in, ap::tensor_scalar::dst, dst);
    set(in, ap::tensor_scalar::src, src);
    in.inst.attr[attr::tensor_scalar::op0].i = int64_t(op);
    in.inst.set_float(attr::tensor_scalar::imm0, imm);
  }

  // ---- ops -------------------------------------------------------------------
  void lower(const Op &op) {
    switch (op.kind) {
    case OpKind::view: return lower_view(op);
    case OpKind::load: {
      Place dst = new_tile(op.result, m.value(op.result).type);
      // Into PSUM (a load written into a PSUM var): through SBUF, since DMA
      // writes HBM or SBUF (NKI 2.26 dma_copy).
      const bool psum = dst.kind == Place::tile && out.buffers[dst.buffer].mem == Memory::psum;
      Place land = dst;
      if (psum) {
        std::vector<int64_t> free;
        for (const Dim &d : dst.dims) free.push_back(d.count);
        land = scratch("ld", Memory::sbuf, dst.dtype, dst.partitions, free);
      }
      lir::Inst &in = emit(Opcode::dma_copy, kDma);
      set(in, ap::dma_copy::dst, land);
      set(in, ap::dma_copy::src, place[op.operands[0]]);
      if (psum) copy(dst, land);
      place[op.result] = dst;
      return;
    }
    case OpKind::store: {
      // A PSUM tile is copied to SBUF first: DMA reads HBM or SBUF (NKI
      // 2.26's nl.store of a PSUM tile also inserts a copy).
      Place src = to_sbuf(place[op.operands[1]]);
      lir::Inst &in = emit(Opcode::dma_copy, kDma);
      set(in, ap::dma_copy::dst, place[op.operands[0]]);
      set(in, ap::dma_copy::src, src);
      return;
    }
    case OpKind::matmul: return lower_matmul(op);
    case OpKind::transpose: {
      Place t = transpose_to_psum(to_sbuf(place[op.operands[0]]));
      Place dst = new_tile(op.result, m.value(op.result).type);
      copy(dst, t);
      place[op.result] = dst;
      return;
    }
    case OpKind::copy: {
      Place dst = new_tile(op.result, m.value(op.result).type);
      copy(dst, place[op.operands[0]]);
      place[op.result] = dst;
      return;
    }
    case OpKind::binary: return lower_binary(op);
    case OpKind::binary_imm: {
      Place dst = new_tile(op.result, m.value(op.result).type);
      lir::Inst &in = emit(Opcode::tensor_scalar, kDve | kAct | kPool);
      set(in, ap::tensor_scalar::dst, dst);
      set(in, ap::tensor_scalar::src, place[op.operands[0]]);
      if (op.alu == AluOp::divide && op.imm_first) { // imm / x = (1 / x) * imm (no divide in NKI's ALU table)
        in.inst.attr[attr::tensor_scalar::op0].i = int64_t(AluOp::reciprocal);
        in.inst.attr[attr::tensor_scalar::op1].i = int64_t(AluOp::multiply);
        in.inst.set_float(attr::tensor_scalar::imm1, float(op.imm));
      } else if (op.alu == AluOp::divide) { // x / imm = x * (1 / imm), the reciprocal of the fp32 immediate
        in.inst.attr[attr::tensor_scalar::op0].i = int64_t(AluOp::multiply);
        in.inst.set_float(attr::tensor_scalar::imm0, 1.0f / float(op.imm));
      } else {
        in.inst.attr[attr::tensor_scalar::op0].i = int64_t(op.alu);
        in.inst.set_float(attr::tensor_scalar::imm0, float(op.imm));
        in.inst.attr[attr::tensor_scalar::reverse0].i = op.imm_first;
      }
      place[op.result] = dst;
      return;
    }
    case OpKind::activation: return lower_activation(op);
    case OpKind::reduce: {
      const tir::Type &st = m.value(op.operands[0]).type;
      int64_t nfree = int64_t(st.shape.size()) - 1;
      Place dst = new_tile(op.result, m.value(op.result).type);
      // NKI 2.26 nki.isa, tensor_reduce: Vector engine only, and only the
      // innermost free axes reduce. Another axis is walked last instead (the
      // kept dims keep their order, so dst is unchanged): axes = 1.
      lir::Inst &in = emit(Opcode::tensor_reduce, kDve);
      set(in, ap::tensor_reduce::dst, dst);
      Place src = place[op.operands[0]];
      const size_t k = size_t(op.axis - 1);
      if (src.dims.size() == size_t(nfree) && k + 1 < src.dims.size()) {
        const Dim reduced = src.dims[k];
        src.dims.erase(src.dims.begin() + long(k));
        src.dims.push_back(reduced);
      }
      set_reduce_src(in, src);
      in.inst.attr[attr::tensor_reduce::op].i = int64_t(op.alu);
      in.inst.attr[attr::tensor_reduce::axes].i = 1;
      place[op.result] = dst;
      return;
    }
    case OpKind::full: {
      Place dst = new_tile(op.result, m.value(op.result).type);
      lir::Inst &in = emit(Opcode::memset, kDve | kPool);
      set(in, ap::memset::dst, dst);
      in.inst.set_float(attr::memset::value, float(op.imm));
      place[op.result] = dst;
      return;
    }
    case OpKind::iota: {
      Place dst = new_tile(op.result, m.value(op.result).type);
      lir::Inst &in = emit(Opcode::iota, kPool);
      set(in, ap::iota::dst, dst);
      in.inst.attr[attr::iota::base].i = op.base.constant;
      in.inst.attr[attr::iota::partition_step].i = op.pstep;
      // The language's iota steps over the flat free index j; the ISA's takes
      // a coefficient per free dim (NKI's form), so j = sum_d i_d * (the
      // element count of the dims inside d).
      // (Over the dims of the pattern as set, which may be merged.)
      const AccessPattern &a = in.inst.ap[ap::iota::dst];
      int64_t inner = 1;
      for (unsigned d = std::min<unsigned>(a.num_dims, 4); d-- > 0;) {
        in.inst.attr[attr::iota::free_step1 + d].i = op.fstep * inner;
        inner *= int64_t(a.dims[d].count);
      }
      place[op.result] = dst;
      return;
    }
    case OpKind::where: return lower_where(op);
    case OpKind::var: {
      ValueId init = op.operands.empty() ? tir::kNoValue : op.operands[0];
      // The var takes over its initialiser's buffer when nothing else uses it.
      if (init && plan.uses[init] == 1 && place[init].kind == Place::tile && plan.def_index[init] != SIZE_MAX &&
          m.body[plan.def_index[init]].kind != OpKind::view && !m.value(init).is_var) {
        place[op.result] = place[init];
        return;
      }
      Place dst = new_tile(op.result, m.value(op.result).type);
      if (init) copy(dst, place[init]);
      place[op.result] = dst;
      return;
    }
    case OpKind::assign:
      copy(place[op.operands[0]], place[op.operands[1]]);
      out.insts.back().assign_copy = true;
      return;
    case OpKind::isa: return lower_isa(op);
    case OpKind::loop: fail("loops must be unrolled first"); return;
    }
  }

  void lower_view(const Op &op) {
    const Place &base = place[op.operands[0]];
    Place p = base;
    if (base.kind == Place::hbm) {
      p.dims.clear();
      uint64_t esize = dtype_size(base.dtype);
      for (size_t k = 0; k < op.dims.size() && k < base.dims.size(); ++k) {
        const tir::ViewDim &d = op.dims[k];
        if (d.dynamic) { // start 0; the DMA adds index * stride when it runs
          if (op.operands.size() < 2 || base.index >= 0) {
            fail("a view with more than one run-time index");
            return;
          }
          p.index = int32_t(index_places.size());
          index_places.push_back(place[op.operands[1]]);
          p.index_stride = base.dims[k].stride;
          p.index_count = int64_t(base.dims[k].count);
          // A gather: one row per index, each starting at slice 0 (the DMA
          // adds its row's index).
          if (!d.dropped) p.dims.push_back(Dim{0, uint32_t(d.count)});
          continue;
        }
        p.offset += uint64_t(d.start.constant * base.dims[k].stride) * esize;
        if (!d.dropped) p.dims.push_back(Dim{base.dims[k].stride * d.step, uint32_t(d.count)});
      }
      if (!op.perm.empty()) { // isa.dma_transpose: walk the kept dims in the permuted order
        std::vector<Dim> kept = p.dims;
        for (size_t i = 0; i < op.perm.size() && i < p.dims.size() && op.perm[i] < kept.size(); ++i)
          p.dims[i] = kept[op.perm[i]];
      }
    } else if (base.kind == Place::tile) {
      if (op.dims.empty()) {
        place[op.result] = p;
        return;
      }
      const tir::ViewDim &pd = op.dims[0];
      if (pd.step != 1 || pd.dropped) {
        fail("on-chip views must keep a unit-step partition range (the partition axis has no stride)");
        return;
      }
      p.start_partition = base.start_partition + uint32_t(pd.start.constant);
      p.partitions = uint32_t(pd.count);
      p.dims.clear();
      uint64_t esize = dtype_size(base.dtype);
      for (size_t k = 1; k < op.dims.size() && k - 1 < base.dims.size(); ++k) {
        const tir::ViewDim &d = op.dims[k];
        const Dim &bd = base.dims[k - 1];
        p.offset += uint64_t(d.start.constant * bd.stride) * esize;
        if (!d.dropped) p.dims.push_back(Dim{bd.stride * d.step, uint32_t(d.count)});
      }
      p.perm = op.perm; // isa.dma_transpose from SBUF: lowered per source partition
    } else {
      fail("view of a value with no storage");
      return;
    }
    place[op.result] = p;
  }

  // src [P|F] (F <= 128) -> PSUM f32 [F|P]
  Place transpose_to_psum(const Place &src) {
    uint64_t f = src.free_elements();
    if (f > t.pe_max_stationary_free) {
      fail(fmt::format("transpose of a tile with {} elements per partition (the Tensor engine handles {})", f,
                       t.pe_max_stationary_free));
      return src;
    }
    Place ps = scratch("tp", Memory::psum, Dtype::f32, uint32_t(f), {int64_t(src.partitions)});
    lir::Inst &in = emit(Opcode::nc_transpose, kPe);
    set(in, ap::nc_transpose::dst, ps);
    set(in, ap::nc_transpose::src, src);
    return ps;
  }
  // A PSUM value as an SBUF operand for the Tensor engine.
  Place to_sbuf(const Place &p) {
    if (p.kind == Place::tile && out.buffers[p.buffer].mem == Memory::sbuf) return p;
    std::vector<int64_t> free;
    for (const Dim &d : p.dims) free.push_back(d.count);
    Place s = scratch("ev", Memory::sbuf, p.dtype, p.partitions, free);
    copy(s, p);
    return s;
  }

  void lower_matmul(const Op &op) {
    Place x = to_sbuf(place[op.operands[0]]), y = to_sbuf(place[op.operands[1]]);
    if (!op.transpose_x) x = to_sbuf(transpose_to_psum(x)); // x [M|K] -> [K|M]
    const tir::Type &rt = m.value(op.result).type;
    uint32_t M = uint32_t(rt.shape[0]);
    uint64_t N = rt.free_elements();
    // `matmul(...) * imm` / `/ imm` planned into the PSUM evacuation.
    auto scale_it = plan.evacuation_scale.find(cur);
    const bool fuse = scale_it != plan.evacuation_scale.end();
    const Op *user = fuse ? &m.body[scale_it->second] : nullptr;
    ValueId final_value = fuse ? user->result : op.result;
    Place dst = new_tile(final_value, m.value(final_value).type);
    uint64_t chunk = std::min<uint64_t>(t.pe_max_moving_free, t.psum_bank_bytes() / 4);
    for (uint64_t n0 = 0; n0 < N; n0 += chunk) {
      uint64_t n = std::min(chunk, N - n0);
      Place ps = scratch("mm", Memory::psum, Dtype::f32, M, {int64_t(n)});
      lir::Inst &in = emit(Opcode::nc_matmul, kPe);
      set(in, ap::nc_matmul::dst, ps);
      set(in, ap::nc_matmul::stationary, x);
      Place ychunk = y;
      if (N > chunk) ychunk = column_slice(y, n0, n);
      set(in, ap::nc_matmul::moving, ychunk);
      Place dchunk = N > chunk ? column_slice(dst, n0, n) : dst;
      if (fuse && user->alu == AluOp::divide) // no divide in NKI's ALU table: x * (1 / imm)
        scale_copy(dchunk, ps, AluOp::multiply, 1.0f / float(user->imm));
      else if (fuse)
        scale_copy(dchunk, ps, user->alu, float(user->imm));
      else
        copy(dchunk, ps);
    }
    place[op.result] = dst;
    if (fuse) place[final_value] = dst;
  }
  // Columns [n0, n0+n) of a [P|F] place viewed as flat F.
  Place column_slice(Place p, uint64_t n0, uint64_t n) {
    std::vector<Dim> dims = simplify(p.dims);
    if (dims.size() != 1) {
      fail("matmul operand with more than 512 columns must be contiguous");
      return p;
    }
    p.offset += n0 * uint64_t(dims[0].stride) * dtype_size(p.dtype);
    p.dims = {Dim{dims[0].stride, uint32_t(n)}};
    return p;
  }

  // `a / b`: NKI 2.26's ALU-op table has no divide, so a / b = a * (1 / b),
  // the reciprocal an exact fp32 division (the Vector engine's reciprocal
  // instruction, or tensor_scalar's one-operand reciprocal), the product a
  // second rounding.
  void lower_divide(const Op &op) {
    const tir::Type &rt = m.value(op.result).type;
    Place a = place[op.operands[0]], b = place[op.operands[1]];
    Place dst = new_tile(op.result, rt);
    uint64_t n = dst.free_elements();
    if (a.free_elements() != n && b.free_elements() == n && a.free_elements() == 1 && a.partitions == dst.partitions) {
      lir::Inst &in = emit(Opcode::tensor_scalar, kDve); // (1 / b) * a[p]
      set(in, ap::tensor_scalar::dst, dst);
      set(in, ap::tensor_scalar::src, b);
      set(in, ap::tensor_scalar::scalar1, a);
      in.inst.attr[attr::tensor_scalar::op0].i = int64_t(AluOp::reciprocal);
      in.inst.attr[attr::tensor_scalar::op1].i = int64_t(AluOp::multiply);
      place[op.result] = dst;
      return;
    }
    const bool per_partition =
        b.free_elements() != n && a.free_elements() == n && b.free_elements() == 1 && b.partitions == dst.partitions;
    if (!per_partition && (a.partitions != dst.partitions || b.partitions != dst.partitions)) {
      fail("broadcasting along the partition axis is not supported");
      return;
    }
    Place r = per_partition ? scratch("rcp", Memory::sbuf, Dtype::f32, dst.partitions, {1})
                            : scratch("rcp", Memory::sbuf, Dtype::f32, dst.partitions,
                                      std::vector<int64_t>(rt.shape.begin() + 1, rt.shape.end()));
    lir::Inst &rc = emit(Opcode::reciprocal, kDve);
    set(rc, ap::reciprocal::dst, r);
    set(rc, ap::reciprocal::src, per_partition ? b : broadcast(b, rt));
    if (per_partition) {
      lir::Inst &in = emit(Opcode::tensor_scalar, kDve | kAct | kPool);
      set(in, ap::tensor_scalar::dst, dst);
      set(in, ap::tensor_scalar::src, a);
      set(in, ap::tensor_scalar::scalar0, r);
      in.inst.attr[attr::tensor_scalar::op0].i = int64_t(AluOp::multiply);
    } else {
      lir::Inst &in = emit(Opcode::tensor_tensor, kDve | kPool);
      set(in, ap::tensor_tensor::dst, dst);
      set(in, ap::tensor_tensor::src0, broadcast(a, rt));
      set(in, ap::tensor_tensor::src1, r);
      in.inst.attr[attr::tensor_tensor::op].i = int64_t(AluOp::multiply);
    }
    place[op.result] = dst;
  }

  void lower_binary(const Op &op) {
    if (op.alu == AluOp::divide) return lower_divide(op);
    const tir::Type &rt = m.value(op.result).type;
    Place a = place[op.operands[0]], b = place[op.operands[1]];
    Place dst = new_tile(op.result, rt);
    uint64_t n = dst.free_elements();
    if (a.free_elements() != n && b.free_elements() == n && a.free_elements() == 1 && a.partitions == dst.partitions) {
      lir::Inst &in = emit(Opcode::tensor_scalar, kDve | kAct | kPool);
      set(in, ap::tensor_scalar::dst, dst);
      set(in, ap::tensor_scalar::src, b);
      set(in, ap::tensor_scalar::scalar0, a);
      in.inst.attr[attr::tensor_scalar::op0].i = int64_t(op.alu);
      in.inst.attr[attr::tensor_scalar::reverse0].i = 1;
    } else if (b.free_elements() != n && a.free_elements() == n && b.free_elements() == 1 &&
               b.partitions == dst.partitions) {
      lir::Inst &in = emit(Opcode::tensor_scalar, kDve | kAct | kPool);
      set(in, ap::tensor_scalar::dst, dst);
      set(in, ap::tensor_scalar::src, a);
      set(in, ap::tensor_scalar::scalar0, b);
      in.inst.attr[attr::tensor_scalar::op0].i = int64_t(op.alu);
    } else {
      if (a.partitions != dst.partitions || b.partitions != dst.partitions) {
        fail("broadcasting along the partition axis is not supported");
        return;
      }
      // NKI 2.26 nki.isa, tensor_tensor: the inputs are not both in PSUM
      // (e.g. `acc += matmul(...)` on PSUM tiles): src1 goes to SBUF first.
      auto in_psum = [&](const Place &p) { return p.kind == Place::tile && out.buffers[p.buffer].mem == Memory::psum; };
      if (in_psum(a) && in_psum(b)) b = to_sbuf(b);
      lir::Inst &in = emit(Opcode::tensor_tensor, kDve | kPool);
      set(in, ap::tensor_tensor::dst, dst);
      set(in, ap::tensor_tensor::src0, broadcast(a, rt));
      set(in, ap::tensor_tensor::src1, broadcast(b, rt));
      in.inst.attr[attr::tensor_tensor::op].i = int64_t(op.alu);
    }
    place[op.result] = dst;
  }

  void lower_activation(const Op &op) {
    const tir::Type &rt = m.value(op.result).type;
    ValueId arg = op.operands[0];
    Place src = place[arg];
    float scale = 1.0f;
    Place bias;
    // exp(x - m) with m [P|1]: fold the subtraction into the bias.
    size_t d = plan.def_index[arg];
    if (d != SIZE_MAX) {
      const Op &prod = m.body[d];
      if (prod.kind == OpKind::binary && prod.alu == AluOp::subtract) {
        const Place &x = place[prod.operands[0]], &s = place[prod.operands[1]];
        if (replaced_by_fusion(d)) {
          Place neg = scratch("neg", Memory::sbuf, Dtype::f32, s.partitions, {1});
          scale_copy(neg, s, AluOp::multiply, -1.0f);
          src = x;
          bias = neg;
        }
      } else if (prod.kind == OpKind::binary_imm && prod.alu == AluOp::multiply && replaced_by_fusion(d)) {
        src = place[prod.operands[0]];
        scale = float(prod.imm);
      }
    }
    Place dst = new_tile(op.result, rt);
    lir::Inst &in = emit(Opcode::activation, kAct);
    set(in, ap::activation::dst, dst);
    set(in, ap::activation::src, src);
    if (bias.kind != Place::none) set(in, ap::activation::bias, bias);
    in.inst.attr[attr::activation::func].i = int64_t(op.act);
    in.inst.set_float(attr::activation::scale, scale);
    // sum(act(x), innermost axis, keepdims): the activation's fused reduce.
    if (auto it = plan.activation_reduce.find(cur); it != plan.activation_reduce.end()) {
      const Op &r = m.body[it->second];
      Place rd = new_tile(r.result, m.value(r.result).type);
      set(in, ap::activation::reduce_dst, rd);
      in.inst.set_int(attr::activation::reduce_cmd, kReduceResetReduce); // NKI's activation_reduce
      place[r.result] = rd;
    }
    place[op.result] = dst;
  }
  // Producers folded into the activation that uses them (fusion_plan.h).
  bool replaced_by_fusion(size_t d) const { return plan.folded.count(d) != 0; }

  void lower_where(const Op &op) {
    const tir::Type &rt = m.value(op.result).type;
    Place dst = new_tile(op.result, rt);
    bool then_imm = op.where_imm_mask & 1, else_imm = op.where_imm_mask & 2;
    size_t k = 1;
    Place on_true;
    if (then_imm) { // select takes an immediate only for the false branch
      on_true = scratch("wt", Memory::sbuf, rt.dtype, dst.partitions, {int64_t(dst.free_elements())});
      lir::Inst &ms = emit(Opcode::memset, kDve | kPool);
      set(ms, ap::memset::dst, on_true);
      ms.inst.set_float(attr::memset::value, float(op.imm));
    } else {
      on_true = broadcast(place[op.operands[k++]], rt);
    }
    lir::Inst &in = emit(Opcode::select, kDve);
    set(in, ap::select::dst, dst);
    set(in, ap::select::predicate, broadcast(place[op.operands[0]], rt));
    set(in, ap::select::on_true, on_true);
    if (else_imm)
      in.inst.set_float(attr::select::fill, float(op.imm2));
    else
      set(in, ap::select::on_false, broadcast(place[op.operands[k]], rt));
    place[op.result] = dst;
  }

  // isa.dma_transpose from SBUF: dst[j0, j1, ...] = src[i] with
  // i[perm[k]] = j[k]. Every documented permutation ends in 0 (the source
  // partition becomes dst's last dim), and an on-chip DMA pattern walks its
  // partitions outermost, so one pattern cannot read src in dst's order.
  // Instead one dma_copy per source partition p: src's row p, its free dims
  // walked in dst's order (perm[0], ..., perm[r-2]), to dst's column p (all
  // of dst's partitions and free dims but the last, at index p of it). Each
  // copy carries the dma_copy's attributes (dge_mode).
  void lower_sbuf_transpose(const Op &op, const Place &src, const Place &dst) {
    const size_t r = src.perm.size();
    if (r < 2 || src.perm[r - 1] != 0 || src.dims.size() != r - 1 || dst.dims.size() != r - 1) {
      fail("isa.dma_transpose from SBUF needs a permutation that moves the partition dim last, with one dim per "
           "axis");
      return;
    }
    const uint64_t esize = dtype_size(dst.dtype);
    for (uint32_t p = 0; p < src.partitions; ++p) {
      Place row = src;
      row.perm.clear();
      row.start_partition = src.start_partition + p;
      row.partitions = 1;
      row.dims.clear();
      for (size_t k = 0; k + 1 < r; ++k) row.dims.push_back(src.dims[src.perm[k] - 1]);
      Place column = dst;
      column.dims.pop_back();
      column.offset = dst.offset + uint64_t(int64_t(p) * dst.dims[r - 2].stride) * esize;
      lir::Inst &in = emit(Opcode::dma_copy, kDma);
      for (unsigned i = 0; i < op_info(Opcode::dma_copy).num_attrs; ++i) in.inst.attr[i] = op.attrs[i];
      set(in, ap::dma_copy::dst, column);
      set(in, ap::dma_copy::src, row);
    }
  }

  void lower_isa(const Op &op) {
    const OpInfo &info = op_info(op.opcode);
    EngineMask engines = op.engine ? engine_bit(*op.engine) : info.engines;
    if (op.result) place[op.result] = new_tile(op.result, m.value(op.result).type);
    if (op.opcode == Opcode::dma_copy && !place[op.aps[ap::dma_copy::src]].perm.empty())
      return lower_sbuf_transpose(op, place[op.aps[ap::dma_copy::src]], place[op.aps[ap::dma_copy::dst]]);
    lir::Inst &in = emit(op.opcode, engines);
    // The attributes first: an operand at a run-time index (an indirect
    // dma_copy's src) sets index_stride and index_count from its view.
    for (unsigned i = 0; i < info.num_attrs; ++i) in.inst.attr[i] = op.attrs[i];
    for (unsigned i = 0; i < info.num_aps; ++i)
      if (op.aps[i]) set(in, i, place[op.aps[i]]);
    if (op.opcode == Opcode::tensor_reduce) set_reduce_src(in, place[op.aps[ap::tensor_reduce::src]]);
    // iota's and affine_select's free_stepK multiply the index of dst's K-th
    // free dim as the source wrote the tile, so dst keeps its own dims.
    if (op.opcode == Opcode::iota) set_own_dims(in, ap::iota::dst, place[op.aps[ap::iota::dst]]);
    if (op.opcode == Opcode::affine_select)
      set_own_dims(in, ap::affine_select::dst, place[op.aps[ap::affine_select::dst]]);
  }
};

} // namespace

llvm::Expected<lir::Program> legalize(const tir::Module &m, const Target &t) { return Legalizer(m, t).run(); }

} // namespace nk
