// Tile IR: types, the module container, walking, and the textual form
// (--emit=tir). The text is stable and complete (compiler/tir/parse.h reads
// it back, byte for byte): values print as %NAME.ID (or %ID; tensors as
// %NAME), ops in program order, one per line, each ending with loc(LINE:COL)
// and, when its result was named elsewhere, value_loc(LINE:COL).
// Immediates print exactly (the shortest digits that read back the same).
#include "compiler/tir/tir.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace nk::tir {

int64_t Type::free_elements() const {
  int64_t n = 1;
  for (size_t i = 1; i < shape.size(); ++i) n *= shape[i];
  return n;
}

std::string type_str(const Type &t) {
  if (t.is_index()) return "index";
  std::string s = std::string(memory_name(t.mem)) + " " + std::string(dtype_name(t.dtype)) + "[";
  for (size_t i = 0; i < t.shape.size(); ++i) {
    if (i) s += (t.is_tile() && i == 1) ? "|" : ", ";
    s += std::to_string(t.shape[i]);
  }
  if (t.is_tile() && t.shape.size() == 1) s += "|"; // one element per partition
  return s + "]";
}

llvm::StringRef op_kind_name(OpKind k) {
  switch (k) {
#define X(e, s)                                                                                                        \
  case OpKind::e: return s;
    NK_TIR_OPS(X)
#undef X
  }
  return "?";
}

ValueId Module::add_value(Type t, std::string name, Loc loc, bool is_var) {
  Value v;
  v.id = ValueId(values.size());
  v.type = std::move(t);
  v.name = std::move(name);
  v.is_var = is_var;
  v.loc = loc;
  values.push_back(std::move(v));
  return values.back().id;
}

void walk_ops(std::vector<Op> &ops, const std::function<void(Op &)> &fn) {
  for (Op &op : ops) {
    fn(op);
    if (op.kind == OpKind::loop) walk_ops(op.body, fn);
  }
}
void walk_ops(const std::vector<Op> &ops, const std::function<void(const Op &)> &fn) {
  for (const Op &op : ops) {
    fn(op);
    if (op.kind == OpKind::loop) walk_ops(op.body, fn);
  }
}

size_t Module::num_ops() const {
  size_t n = 0;
  walk_ops(body, [&](const Op &) { ++n; });
  return n;
}

namespace {

// Exact: the shortest of %.9g ... %.17g that reads back as the same double
// (an immediate may be an integer beyond 2^24 or any double sema folded),
// so the text parses back to the value the module held.
std::string fmt_double(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  char buf[40];
  for (int precision = 9; precision <= 17; ++precision) {
    snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::string s = buf;
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

// An fp32 attribute: 9 significant digits read back as the same float.
std::string fmt_float(float v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  char buf[40];
  snprintf(buf, sizeof buf, "%.9g", double(v));
  std::string s = buf;
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::string quoted(const std::string &text) {
  std::string s = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') s += '\\';
    if (c == '\n') {
      s += "\\n";
      continue;
    }
    s += c;
  }
  return s + "\"";
}

std::string loc_str(const Loc &l) { return "loc(" + std::to_string(l.line) + ":" + std::to_string(l.col) + ")"; }

struct Printer {
  llvm::raw_ostream &os;
  const Module &m;

  std::string name(ValueId id) const {
    if (id == kNoValue) return "<none>";
    const Value &v = m.value(id);
    for (const TensorParam &t : m.tensors)
      if (t.value == id) return "%" + t.name;
    if (v.name.empty()) return "%" + std::to_string(id);
    return "%" + v.name + "." + std::to_string(id);
  }

  std::string affine(const Affine &a) const {
    std::string s;
    for (auto &[id, coef] : a.terms) {
      if (!s.empty())
        s += coef < 0 ? " - " : " + ";
      else if (coef < 0)
        s += "-";
      int64_t c = coef < 0 ? -coef : coef;
      if (c != 1) s += std::to_string(c) + "*";
      s += name(id);
    }
    if (s.empty()) return std::to_string(a.constant);
    if (a.constant > 0) s += " + " + std::to_string(a.constant);
    if (a.constant < 0) s += " - " + std::to_string(-a.constant);
    return s;
  }

  void op(const Op &o, unsigned depth) {
    os.indent(depth * 2);
    if (o.result != kNoValue && o.kind != OpKind::loop) os << name(o.result) << " = ";
    auto operand_list = [&](size_t from) {
      for (size_t i = from; i < o.operands.size(); ++i) os << (i > from ? ", " : "") << name(o.operands[i]);
    };
    switch (o.kind) {
    case OpKind::load:
    case OpKind::transpose:
    case OpKind::copy:
    case OpKind::var:
      os << op_kind_name(o.kind) << " ";
      operand_list(0);
      break;
    case OpKind::store:
    case OpKind::assign:
      os << op_kind_name(o.kind) << " ";
      operand_list(0);
      break;
    case OpKind::matmul:
      os << "matmul ";
      operand_list(0);
      if (o.transpose_x) os << " transpose_x";
      break;
    case OpKind::binary:
      os << alu_name(o.alu) << " ";
      operand_list(0);
      break;
    case OpKind::binary_imm:
      os << alu_name(o.alu) << " ";
      if (o.imm_first)
        os << fmt_double(o.imm) << ", " << name(o.operands[0]);
      else
        os << name(o.operands[0]) << ", " << fmt_double(o.imm);
      break;
    case OpKind::activation:
      os << act_name(o.act) << " ";
      operand_list(0);
      break;
    case OpKind::reduce:
      os << "reduce " << alu_name(o.alu) << " " << name(o.operands[0]) << " axis=" << o.axis;
      if (o.keepdims) os << " keepdims";
      break;
    case OpKind::full: os << "full " << fmt_double(o.imm); break;
    case OpKind::iota:
      os << "iota base=" << affine(o.base) << " partition_step=" << o.pstep << " free_step=" << o.fstep;
      break;
    case OpKind::where: {
      os << "where " << name(o.operands[0]);
      size_t next = 1;
      os << ", " << ((o.where_imm_mask & 1) ? fmt_double(o.imm) : name(o.operands[next++]));
      os << ", " << ((o.where_imm_mask & 2) ? fmt_double(o.imm2) : name(o.operands[next++]));
      break;
    }
    case OpKind::view: {
      os << "view " << name(o.operands[0]) << "[";
      for (size_t i = 0; i < o.dims.size(); ++i) {
        const ViewDim &d = o.dims[i];
        if (i) os << ", ";
        if (d.dynamic)
          os << name(o.operands[1]);
        else
          os << affine(d.start);
        if (!d.dropped) {
          os << ":+" << d.count;
          if (d.step != 1) os << ":" << d.step;
        }
      }
      os << "]";
      if (!o.perm.empty()) {
        os << " perm [";
        for (size_t i = 0; i < o.perm.size(); ++i) os << (i ? ", " : "") << unsigned(o.perm[i]);
        os << "]";
      }
      break;
    }
    case OpKind::isa: {
      const OpInfo &info = op_info(o.opcode);
      os << "isa." << info.name;
      if (o.engine) os << " engine=" << engine_name(*o.engine);
      for (unsigned i = 0; i < info.num_aps; ++i) {
        if (o.aps[i] == kNoValue) continue;
        os << " " << info.aps[i].name << "=" << name(o.aps[i]);
      }
      for (unsigned i = 0; i < info.num_attrs; ++i) {
        const AttrFieldInfo &a = info.attrs[i];
        if (a.kind == AttrKind::Cont) continue;
        os << " " << a.name << "=";
        switch (a.kind) {
        case AttrKind::Bool: os << (o.attrs[i].i ? "true" : "false"); break;
        case AttrKind::Int:
        case AttrKind::Sem: os << o.attrs[i].i; break;
        case AttrKind::Float: os << fmt_float(o.attrs[i].as_float()); break;
        case AttrKind::Alu: os << alu_name(AluOp(o.attrs[i].i)); break;
        case AttrKind::Act: os << act_name(ActFunc(o.attrs[i].i)); break;
        case AttrKind::Bytes32: os << format_bytes32(o.attrs, i); break;
        case AttrKind::Cont: break;
        }
      }
      break;
    }
    case OpKind::loop:
      os << "for " << name(o.result) << " in " << (o.loop_kind == LoopKind::parallel ? "parallel" : "sequential") << "("
         << o.trip_count << ") {  " << loc_str(o.loc) << value_loc(o) << "\n";
      for (const Op &b : o.body) op(b, depth + 1);
      os.indent(depth * 2) << "}\n";
      return;
    }
    if (o.result != kNoValue) os << " : " << type_str(m.value(o.result).type);
    os << "  " << loc_str(o.loc) << value_loc(o) << "\n";
  }

  // Where the result was named (a `let`, a loop index), when not at the op.
  std::string value_loc(const Op &o) const {
    if (o.result == kNoValue) return "";
    const Loc &l = m.value(o.result).loc;
    if (l.line == o.loc.line && l.col == o.loc.col) return "";
    return " value_loc(" + std::to_string(l.line) + ":" + std::to_string(l.col) + ")";
  }
};

} // namespace

void print_module(llvm::raw_ostream &os, const Module &m) {
  Printer p{os, m};
  os << "tir.kernel @" << m.kernel << " target=" << m.target << " file=" << quoted(m.file) << "\n";
  os << "sizes";
  for (auto &[n, v] : m.sizes) os << " " << n << "=" << v;
  os << "\n";
  for (const TensorParam &t : m.tensors)
    os << p.name(t.value) << " = "
       << (t.role == TensorRole::input    ? "input"
           : t.role == TensorRole::output ? "output"
                                          : "scratch")
       << " : " << type_str(m.value(t.value).type) << "  " << loc_str(m.value(t.value).loc) << "\n";
  os << "body {\n";
  for (const Op &o : m.body) p.op(o, 1);
  os << "}\n";
}

} // namespace nk::tir
