// Sema, ISA-level ops: `isa.NAME(field=value, ..., engine=E, dtype=D)`.
// Assumes: names, types and constants are sema_names/_types/_const's.
// Guarantees: an isa.* call that passes here satisfies its instruction's
// operand rules (the ones the Tile IR verifier and the runtime verifier
// apply), or has one diagnostic at the offending argument.
// Field names, roles (In/Out), presence and attribute kinds/defaults all
// come from the ISA table (runtime/isa.def via op_info), so these checks
// follow the table. Each instruction's own shape, dtype and memory rules and
// the dst inferred when none is given are runtime/operand_rules.cpp's, the
// definition the verifier and the simulator apply too. isa.core_barrier and
// isa.dma_transpose (no opcode: a dma_copy from a permuted view) have NKI's
// own signatures, checked below.
#include "compiler/frontend/sema_impl.h"
#include "compiler/tir/op_rules.h"
#include "runtime/operand_rules.h"

#include <cfloat>
#include <cmath>

namespace nk::fe {

using tir::Op;
using tir::OpKind;
using tir::Type;
using tir::ValueId;

namespace {

std::string field_list(const OpInfo &info) {
  std::string s;
  for (unsigned i = 0; i < info.num_aps; ++i) s += (s.empty() ? "" : ", ") + std::string(info.aps[i].name);
  for (unsigned i = 0; i < info.num_attrs; ++i)
    if (info.attrs[i].kind != AttrKind::Cont) s += (s.empty() ? "" : ", ") + std::string(info.attrs[i].name);
  return s + (s.empty() ? "" : ", ") + "engine";
}

template <typename F>
std::string name_list(F each) {
  std::string s;
  each([&](std::string_view n) { s += (s.empty() ? "" : ", ") + std::string(n); });
  return s;
}

} // namespace

SV Sema::eval_isa_call(const Expr &e, llvm::StringRef opname) {
  if (opname == "dma_transpose") return eval_dma_transpose(e); // below: a dma_copy, no opcode of its own
  auto opc = parse_opcode(std::string_view(opname.data(), opname.size()));
  if (!opc) {
    diags.error(e.range, "unknown ISA op 'isa." + opname + "'; known ops: " + name_list([](auto add) {
                           for (unsigned i = 0; i < kNumOpcodes; ++i) add(op_info(Opcode(i)).name);
                           add("dma_transpose");
                         }));
    return poison();
  }
  const OpInfo &info = op_info(*opc);
  if (*opc == Opcode::sem_signal || *opc == Opcode::sem_wait) {
    diags.error(e.range, "isa." + opname +
                             " cannot be written in a kernel: the compiler inserts "
                             "semaphores between engines");
    return poison();
  }
  if (*opc == Opcode::core_barrier) return eval_core_barrier(e); // below
  if (!e.args.empty()) {
    diags.error(e.args[0]->range, "ISA ops take keyword arguments only (field=value); isa." + opname +
                                      " has fields: " + field_list(info));
    return poison();
  }
  Op op{OpKind::isa};
  op.loc = loc(e.range.Start);
  op.opcode = *opc;
  for (unsigned i = 0; i < info.num_attrs; ++i) op.attrs[i] = attr_default(info.attrs[i]);
  std::optional<Dtype> dtype;
  std::optional<Type> new_dst; // dst given as a type (or to infer)
  std::array<const Expr *, kMaxAps> ap_expr{};
  std::array<const Expr *, kMaxAttrs> attr_expr{};
  bool ok = true;
  auto ident = [&](const Expr &x, const char *what) -> std::optional<std::string> {
    if (x.kind == ExprKind::name) return x.name;
    diags.error(x.range, llvm::Twine("expected ") + what + " name");
    return std::nullopt;
  };
  for (const Keyword &k : e.keywords) {
    const Expr &x = *k.value;
    if (k.name == "engine") {
      auto n = ident(x, "an engine (tensor, vector, scalar, gpsimd)");
      if (!n) {
        ok = false;
        continue;
      }
      auto eng = parse_engine(*n);
      if (!eng || *eng == Engine::dma) {
        diags.error(x.range, "unknown engine '" + *n + "'; expected tensor, vector, scalar or gpsimd");
        ok = false;
      } else if (!(info.engines & engine_bit(*eng))) {
        diags.error(x.range,
                    "isa." + opname + " cannot run on the " + *n + " engine; it runs on: " + name_list([&](auto add) {
                      for (unsigned b = 0; b < kNumEngines; ++b)
                        if (info.engines & (1u << b)) add(engine_name(Engine(b)));
                    }));
        ok = false;
      } else {
        op.engine = eng;
      }
      continue;
    }
    if (k.name == "dtype") {
      SV v = eval(x);
      if (v.k == SV::dtype)
        dtype = v.dt;
      else {
        if (v.ok()) diags.error(x.range, "expected a dtype, not " + describe(v));
        ok = false;
      }
      continue;
    }
    int ap = -1, at = -1;
    for (unsigned i = 0; i < info.num_aps; ++i)
      if (k.name == info.aps[i].name) ap = int(i);
    for (unsigned i = 0; i < info.num_attrs && at < 0; ++i)
      if (k.name == info.attrs[i].name) at = int(i); // a Bytes32's first slot, not its Cont slots
    if (ap < 0 && at < 0) {
      diags.error(k.range, "isa." + opname + " has no field '" + k.name + "'; its fields are: " + field_list(info));
      ok = false;
      continue;
    }
    // A number attribute NAME that may be a tile instead (activation's
    // scale): a tile given to it is the operand NAME_tile.
    std::optional<SV> pre;
    if (ap < 0 && info.attrs[at].kind == AttrKind::Float) {
      const std::string tile_field = k.name + "_tile";
      for (unsigned i = 0; i < info.num_aps; ++i)
        if (tile_field == info.aps[i].name && info.aps[i].role == FieldRole::In) {
          pre = eval(x);
          if (pre->k == SV::tile || pre->k == SV::hbm) ap = int(i);
        }
    }
    if (ap >= 0) {
      if (ap_expr[ap]) {
        diags.error(k.range, "field '" + k.name + "' is given twice");
        ok = false;
        continue;
      }
      ap_expr[ap] = &x;
      const ApFieldInfo &f = info.aps[ap];
      SV v = pre ? *pre : eval(x);
      if (!v.ok()) {
        ok = false;
        continue;
      }
      if (f.role == FieldRole::Out && v.k == SV::ttype && ap == 0) {
        new_dst = v.type;
        continue;
      }
      bool dma = *opc == Opcode::dma_copy;
      if (v.k == SV::hbm && !dma) {
        diags.error(x.range, "field '" + k.name + "' of isa." + opname +
                                 " must be a tile in SBUF/PSUM; only isa.dma_copy reads or writes HBM");
        ok = false;
        continue;
      }
      if (v.k != SV::tile && v.k != SV::hbm) {
        diags.error(x.range, "field '" + k.name + "' must be a tile" +
                                 (f.role == FieldRole::Out && ap == 0     ? " type, a var"
                                  : f.role == FieldRole::InOut && ap == 0 ? " var (it is read and written)"
                                                                          : "") +
                                 ", not " + describe(v));
        ok = false;
        continue;
      }
      if (role_writes(f.role)) {
        if (v.k == SV::hbm) {
          auto rit = view_root_.find(v.v);
          ValueId root = rit == view_root_.end() ? v.v : rit->second;
          for (const tir::TensorParam &tp : mod.tensors)
            if (tp.value == root && tp.role == tir::TensorRole::input) {
              diags.error(x.range, "cannot write input tensor '" + tp.name + "'");
              ok = false;
            }
        } else if (var_root(v.v) && !check_parallel_write(v.v, x.range)) {
          ok = false;
          continue;
        } else if (!var_root(v.v)) {
          diags.error(
              x.range,
              "output field '" + k.name +
                  "' writes in place, so it must be a var "
                  "(or a slice of one)" +
                  std::string(ap == 0 && f.role == FieldRole::Out ? "; or pass a tile type to create a new tile" : ""));
          note_def(v.v);
          ok = false;
          continue;
        }
      }
      op.aps[ap] = v.v;
      continue;
    }
    const AttrFieldInfo &f = info.attrs[at];
    attr_expr[at] = &x;
    switch (f.kind) {
    case AttrKind::Bool: {
      SV v = eval(x);
      if (v.k == SV::boolean)
        op.attrs[at].i = v.i;
      else {
        if (v.ok()) diags.error(x.range, "field '" + k.name + "' is a boolean (true/false), not " + describe(v));
        ok = false;
      }
      break;
    }
    case AttrKind::Int: {
      auto v = expect_int(x, "this field");
      if (v)
        op.attrs[at].i = *v;
      else
        ok = false;
      break;
    }
    case AttrKind::Float: {
      SV v = pre ? *pre : eval(x);
      if (!v.is_number()) {
        if (v.ok())
          diags.error(x.range,
                      "field '" + k.name + "' is a number" + (pre ? " or a tile" : "") + ", not " + describe(v));
        ok = false;
        break;
      }
      double d = v.number();
      if (std::isfinite(d) && std::fabs(d) > FLT_MAX) {
        char buf[32];
        snprintf(buf, sizeof buf, "%g", d);
        diags.error(x.range, llvm::Twine("value ") + buf + " does not fit in fp32");
        ok = false;
        break;
      }
      op.attrs[at] = AttrValue::of_float(float(d));
      break;
    }
    case AttrKind::Alu: {
      auto n = ident(x, "an ALU op");
      auto alu = n ? parse_alu(*n) : std::nullopt;
      if (!alu) {
        if (n)
          diags.error(x.range, "unknown ALU op '" + *n + "'; expected one of: " + name_list([](auto add) {
#define X(en, s, kind) add(s);
                                 NK_ALU_OPS(X)
#undef X
                               }));
        ok = false;
        break;
      }
      op.attrs[at].i = int64_t(*alu);
      break;
    }
    case AttrKind::Act: {
      auto n = ident(x, "an activation function");
      auto act = n ? parse_act(*n) : std::nullopt;
      if (!act) {
        if (n)
          diags.error(x.range, "unknown activation function '" + *n + "'; expected one of: " + name_list([](auto add) {
#define X(en, s) add(s);
                                 NK_ACT_FUNCS(X)
#undef X
                               }));
        ok = false;
        break;
      }
      op.attrs[at].i = int64_t(*act);
      break;
    }
    case AttrKind::Sem:
      diags.error(x.range, "semaphores are assigned by the compiler");
      ok = false;
      break;
    case AttrKind::Bytes32: {
      // [b0, ..., b31]: 32 compile-time integers in [0, 255]; what the
      // instruction allows of them is its operand rule's to say.
      if (x.kind != ExprKind::list) {
        SV v = eval(x);
        if (v.ok())
          diags.error(x.range, "field '" + k.name + "' is a list of 32 integers [a, b, ...], not " + describe(v));
        ok = false;
        break;
      }
      if (x.args.size() != 32) {
        diags.error(x.range, "field '" + k.name + "' must list 32 integers, not " + llvm::Twine(x.args.size()));
        ok = false;
        break;
      }
      for (unsigned j = 0; j < 32; ++j) {
        auto v = expect_int(*x.args[j], "a list entry");
        if (v && (*v < 0 || *v > 255)) {
          diags.error(x.args[j]->range, "entry " + llvm::Twine(j) + " of '" + k.name + "' is " + llvm::Twine(*v) +
                                            "; entries are bytes, 0 to 255");
          v.reset();
        }
        if (v)
          bytes32_set(op.attrs, unsigned(at), j, uint8_t(*v));
        else
          ok = false;
      }
      break;
    }
    case AttrKind::Cont: break; // never matched by name
    }
  }
  if (!ok) return poison();
  for (unsigned i = 0; i < info.num_aps; ++i) {
    if (i == 0 && info.aps[0].role == FieldRole::Out) continue; // dst: inferred below if missing
    if (info.aps[i].presence == FieldPresence::Required && !op.aps[i]) {
      diags.error(e.range, "isa." + opname + " requires field '" + info.aps[i].name + "'");
      ok = false;
    }
  }
  for (unsigned i = 0; i < info.num_attrs; ++i) {
    if (info.attrs[i].presence != FieldPresence::Required || info.attrs[i].kind == AttrKind::Cont) continue;
    bool given = false;
    for (const Keyword &k : e.keywords) given |= k.name == info.attrs[i].name;
    if (!given) {
      diags.error(e.range, "isa." + opname + " requires field '" + info.attrs[i].name + "'");
      ok = false;
    }
  }
  if (!ok) return poison();
  auto field_expr = [&](const char *n) -> llvm::SMRange {
    for (unsigned i = 0; i < info.num_aps; ++i)
      if (llvm::StringRef(info.aps[i].name) == n && ap_expr[i]) return ap_expr[i]->range;
    return e.range;
  };
  // The fields as the rules declared once in runtime/operand_rules.h and
  // compiler/tir/op_rules.h see them (the Tile IR verifier builds the same).
  auto isa_operands = [&](const std::optional<Type> &dst) {
    tir::IsaOperands s{};
    for (unsigned i = 0; i < info.num_aps; ++i) {
      std::optional<Type> t = i == 0 ? dst : op.aps[i] ? std::optional<Type>(type_of(op.aps[i])) : std::nullopt;
      if (!t) continue;
      s[i].present = true;
      s[i].type = *t;
      auto vd = op.aps[i] ? view_dims_.find(op.aps[i]) : view_dims_.end();
      if (vd == view_dims_.end()) continue;
      if (t->is_hbm()) { // a view at a run-time index: an indirect access
        for (const tir::ViewDim &d : vd->second) s[i].indirect |= d.dynamic;
      } else {
        s[i].tile_view = true;
        s[i].start = vd->second[0].start;
        s[i].count = vd->second[0].count;
      }
    }
    return s;
  };
  // The engine the rules assume: the one given, or the op's only one (an
  // op with several waits for the compiler's choice).
  std::optional<Engine> engine = tir::isa_rule_engine(*opc, op.engine);
  // Infer dst when it is missing.
  if (!op.aps[0] && !new_dst) {
    std::optional<OperandShape> d =
        inferred_dst(*opc, tir::isa_operand_shapes(*opc, isa_operands(std::nullopt)), op.attrs, engine);
    if (!d) {
      diags.error(e.range, "isa." + opname + " needs dst=TILE_TYPE or dst=VAR: its shape cannot be inferred");
      return poison();
    }
    Type t{d->mem, d->dtype, {d->partitions}};
    for (unsigned k = 0; k < d->num_dims; ++k) t.shape.push_back(d->dims[k]);
    if (dtype) t.dtype = *dtype;
    new_dst = t;
  }
  const Type dst_t = new_dst ? *new_dst : type_of(op.aps[0]);
  llvm::SMRange dst_r = field_expr("dst");
  // GpSimd and PSUM, partition alignment, the instruction's own rules
  // (runtime/operand_rules.cpp), its ALU-op rules (runtime/isa.h
  // check_alu_attrs) and a new dst's size: compiler/tir/op_rules.cpp, the
  // definitions the Tile IR verifier applies too.
  if (auto problem =
          tir::isa_operand_problem(*opc, engine, isa_operands(dst_t), op.attrs, new_dst.has_value(), target)) {
    llvm::SMRange r = problem->ap == 0                                ? dst_r
                      : problem->ap < kMaxAps && ap_expr[problem->ap] ? ap_expr[problem->ap]->range
                                                                      : e.range;
    if (problem->attr >= 0 && attr_expr[problem->attr]) { // an attribute's (a list's entry's) problem
      const Expr &x = *attr_expr[problem->attr];
      const bool entry = x.kind == ExprKind::list && problem->entry >= 0 && size_t(problem->entry) < x.args.size();
      r = entry ? x.args[problem->entry]->range : x.range;
    }
    diags.error(r, problem->message);
    return poison();
  }
  if (new_dst) {
    op.aps[0] = ValueId(mod.values.size()); // the id emit() gives the new dst
    SV out = emit(std::move(op), dst_t);
    return out;
  }
  ValueId dst = op.aps[0];
  emit_no_result(std::move(op));
  return SV::make_value(type_of(dst).is_hbm() ? SV::hbm : SV::tile, dst);
}

// isa.core_barrier(data=T, cores=[0, 1], engine=E), NKI's
// nki.isa.core_barrier: the two physical cores of a `cores = 2` kernel meet.
// `data` names the shared HBM tensor the barrier is for (NKI requires it;
// here it is documentation: the barrier is a full fence on its core, so it
// orders every access, not only data's). `cores` may only be [0, 1], as in
// NKI. The engine defaults to GpSimd (NKI 2.33's default).
SV Sema::eval_core_barrier(const Expr &e) {
  int64_t cores = 1;
  for (const auto &[name, value] : mod.sizes)
    if (name == "cores") cores = value;
  if (cores != 2) {
    diags.error(e.range, "isa.core_barrier synchronises the two physical cores of a kernel with cores = 2; "
                         "this kernel runs on cores = " +
                             llvm::Twine(cores));
    return poison();
  }
  if (!e.args.empty()) {
    diags.error(e.args[0]->range, "ISA ops take keyword arguments only (field=value); isa.core_barrier has fields: "
                                  "data, cores, engine");
    return poison();
  }
  Op op{OpKind::isa};
  op.loc = loc(e.range.Start);
  op.opcode = Opcode::core_barrier;
  op.engine = Engine::gpsimd;
  bool ok = true, data = false;
  for (const Keyword &k : e.keywords) {
    const Expr &x = *k.value;
    if (k.name == "data") {
      SV v = eval(x);
      data = true;
      if (v.ok() && v.k != SV::hbm) {
        diags.error(x.range, "field 'data' of isa.core_barrier is the shared HBM tensor the cores synchronise on, "
                             "not " +
                                 describe(v));
        ok = false;
      }
      ok &= v.ok();
    } else if (k.name == "cores") {
      bool pair = x.kind == ExprKind::list && x.args.size() == 2;
      for (size_t j = 0; pair && j < 2; ++j) {
        SV v = eval(*x.args[j]);
        pair = v.k == SV::integer && v.i == int64_t(j);
      }
      if (!pair) {
        diags.error(x.range, "field 'cores' of isa.core_barrier must be [0, 1] (the only pair NKI supports)");
        ok = false;
      }
    } else if (k.name == "engine") {
      auto eng = x.kind == ExprKind::name ? parse_engine(x.name) : std::nullopt;
      if (!eng || *eng == Engine::dma) {
        diags.error(x.range, "expected an engine: tensor, vector, scalar or gpsimd");
        ok = false;
      } else {
        op.engine = *eng;
      }
    } else {
      diags.error(k.range, "isa.core_barrier has no field '" + k.name + "'; its fields are: data, cores, engine");
      ok = false;
    }
  }
  if (ok && !data) {
    diags.error(e.range, "isa.core_barrier requires field 'data' (the shared HBM tensor the cores synchronise on)");
    ok = false;
  }
  if (!ok) return poison();
  emit_no_result(std::move(op));
  return poison(); // a statement: no value
}

// isa.dma_transpose(src=X, axes=[1, 0], dtype=D, dge_mode=M), NKI 2.26's
// nki.isa.dma_transpose: the result's dim i is src's dim axes[i], and NKI
// allows only (1, 0), (2, 1, 0) and (3, 1, 2, 0) (for 2-, 3- and 4-d src;
// axes defaults to the one for src's rank). The result is a new SBUF tile
// whose first dim is on the partitions, of src's dtype or the one given
// (NKI: any supported dtype). There is no opcode: a dma_copy pairs elements
// in walk order, so one whose source pattern walks src's dims in the axes'
// order is exactly the transpose. Its dge_mode and every other rule are
// dma_copy's. src is in HBM or SBUF, as NKI allows, with static indices
// (NKI's dma_transpose has no indirect form in 2.26). From SBUF the
// permuted view is of a tile: an on-chip DMA pattern walks the partitions
// outermost, and every documented permutation moves the partition dim to
// the last, so legalize emits one dma_copy per source partition (its row
// to one column of dst; compiler/lower/legalize.cpp).
SV Sema::eval_dma_transpose(const Expr &e) {
  static const char *kFields = "src, axes, dtype, dge_mode";
  if (!e.args.empty()) {
    diags.error(e.args[0]->range,
                llvm::Twine("ISA ops take keyword arguments only (field=value); isa.dma_transpose has fields: ") +
                    kFields);
    return poison();
  }
  const Expr *src_x = nullptr, *axes_x = nullptr, *dtype_x = nullptr, *dge_x = nullptr;
  bool ok = true;
  for (const Keyword &k : e.keywords) {
    const Expr **slot = k.name == "src"        ? &src_x
                        : k.name == "axes"     ? &axes_x
                        : k.name == "dtype"    ? &dtype_x
                        : k.name == "dge_mode" ? &dge_x
                                               : nullptr;
    if (!slot) {
      diags.error(k.range, "isa.dma_transpose has no field '" + k.name + "'; its fields are: " + llvm::Twine(kFields));
      ok = false;
    } else if (*slot) {
      diags.error(k.range, "field '" + k.name + "' is given twice");
      ok = false;
    } else {
      *slot = k.value.get();
    }
  }
  if (!ok) return poison();
  if (!src_x) {
    diags.error(e.range, "isa.dma_transpose requires field 'src'");
    return poison();
  }
  SV src = eval(*src_x);
  if (!src.ok()) return poison();
  if (src.k != SV::hbm && src.k != SV::tile) {
    diags.error(src_x->range, "field 'src' of isa.dma_transpose must be an HBM tensor, an SBUF tile or a view of "
                              "one, not " +
                                  describe_value(src));
    return poison();
  }
  const Type st = type_of(src.v);
  if (src.k == SV::tile && st.mem != Memory::sbuf) {
    diags.error(src_x->range, "isa.dma_transpose reads a tile in HBM or SBUF (NKI), but src is " + tir::type_str(st) +
                                  "; copy it to SBUF first (isa.tensor_copy)");
    return poison();
  }
  const size_t rank = st.shape.size();
  // NKI 2.26: the one permutation per rank.
  static const std::vector<uint8_t> kAxes[] = {{1, 0}, {2, 1, 0}, {3, 1, 2, 0}};
  auto axes_str = [](const std::vector<uint8_t> &a) {
    std::string s = "[";
    for (size_t i = 0; i < a.size(); ++i) s += (i ? ", " : "") + std::to_string(a[i]);
    return s + "]";
  };
  if (rank < 2 || rank > 4) {
    diags.error(src_x->range,
                "isa.dma_transpose transposes a 2-, 3- or 4-d tensor (NKI), but src is " + tir::type_str(st));
    return poison();
  }
  const std::vector<uint8_t> &perm = kAxes[rank - 2];
  if (axes_x) {
    std::vector<int64_t> given;
    bool list = axes_x->kind == ExprKind::list;
    for (size_t j = 0; list && j < axes_x->args.size(); ++j) {
      auto v = expect_int(*axes_x->args[j], "an axis");
      if (!v) return poison();
      given.push_back(*v);
    }
    bool same = list && given.size() == perm.size() && std::equal(given.begin(), given.end(), perm.begin());
    if (!same) {
      diags.error(axes_x->range, "axes of isa.dma_transpose for a " + llvm::Twine(rank) + "-d src must be " +
                                     axes_str(perm) +
                                     " (NKI supports (1, 0), (2, 1, 0) and (3, 1, 2, 0), one per rank)");
      return poison();
    }
  }
  auto dt = dtype_arg(dtype_x, st.dtype);
  if (!dt) return poison();
  // The permuted view: relative to src's root, like every view.
  tir::Op view{OpKind::view};
  view.loc = loc(src_x->range.Start);
  auto rit = view_root_.find(src.v);
  if (rit != view_root_.end()) {
    view.operands = {rit->second};
    view.dims = view_dims_[src.v];
    for (const tir::ViewDim &d : view.dims)
      if (d.dynamic) {
        diags.error(src_x->range, "isa.dma_transpose reads a view at static indices (NKI's dma_transpose has no "
                                  "indirect form); load() the rows first");
        return poison();
      }
    // An SBUF view: one dma_copy per source partition (legalize), so the
    // partition axis must be a range of partitions, as every on-chip view.
    if (src.k == SV::tile && (view.dims[0].dropped || view.dims[0].step != 1)) {
      diags.error(src_x->range, "isa.dma_transpose of an SBUF view keeps a unit-step range of partitions (its first "
                                "index), as on-chip views do");
      return poison();
    }
  } else {
    view.operands = {src.v};
    for (int64_t n : st.shape) {
      tir::ViewDim d;
      d.count = n;
      view.dims.push_back(d);
    }
  }
  view.perm = perm;
  Type vt = st;
  for (size_t i = 0; i < rank; ++i) vt.shape[i] = st.shape[perm[i]];
  Type dst_t = vt;
  dst_t.mem = Memory::sbuf;
  dst_t.dtype = *dt;
  if (!check_tile_type(dst_t, src_x->range)) {
    diags.note(src_x->range, "isa.dma_transpose puts src's dim " + llvm::Twine(unsigned(perm[0])) +
                                 " (the first of axes) on the partition axis");
    return poison();
  }
  Op op{OpKind::isa};
  op.loc = loc(e.range.Start);
  op.opcode = Opcode::dma_copy;
  const OpInfo &info = op_info(Opcode::dma_copy);
  for (unsigned i = 0; i < info.num_attrs; ++i) op.attrs[i] = attr_default(info.attrs[i]);
  if (dge_x) {
    auto v = expect_int(*dge_x, "dge_mode");
    if (!v) return poison();
    op.attrs[attr::dma_copy::dge_mode].i = *v;
  }
  // dma_copy's rules (dge_mode's values and target) on the permuted shapes.
  tir::IsaOperands operands{};
  operands[ap::dma_copy::dst].present = true;
  operands[ap::dma_copy::dst].type = dst_t;
  operands[ap::dma_copy::src].present = true;
  operands[ap::dma_copy::src].type = vt;
  if (auto problem = tir::isa_operand_problem(Opcode::dma_copy, tir::isa_rule_engine(Opcode::dma_copy, std::nullopt),
                                              operands, op.attrs, true, target)) {
    std::string msg = problem->message; // named as written: "isa.dma_copy: X" -> "isa.dma_transpose: X"
    if (llvm::StringRef(msg).startswith("isa.dma_copy:")) msg = "isa.dma_transpose:" + msg.substr(13);
    diags.error(problem->attr == int(attr::dma_copy::dge_mode) && dge_x ? dge_x->range : e.range, msg);
    return poison();
  }
  op.aps[ap::dma_copy::src] = emit(std::move(view), vt).v;
  op.aps[ap::dma_copy::dst] = ValueId(mod.values.size()); // the id emit() gives the new dst
  return emit(std::move(op), dst_t);
}

} // namespace nk::fe
