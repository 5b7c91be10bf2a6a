// Tile IR text parser (see parse.h). Line oriented, on the assembler's
// syntax layer: the `tir.kernel` header, `sizes`, one line per tensor, then
// `body {` with one op per line (`for ... {` opens a loop's body, a line
// `}` closes it). Lines starting with ';' are comments (an --print-after
// dump's banner), as is everything after '#'.
#include "compiler/tir/parse.h"

#include "runtime/asm_syntax.h"
#include "runtime/rendered_diagnostics.h"
#include "runtime/target.h"

#include "llvm/ADT/StringMap.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <vector>

namespace nk::tir {

namespace {

using namespace asm_syntax;

// Bounds that keep every later computation in range (affine folding,
// shapes' element counts), far beyond any kernel's.
constexpr int64_t kMaxAffine = int64_t(1) << 31;
constexpr int64_t kMaxDim = int64_t(1) << 31;
constexpr int64_t kMaxElements = int64_t(1) << 40;
constexpr int64_t kMaxTripCount = int64_t(1) << 40;
constexpr size_t kMaxDims = 8;

class TirParser : public LineParser {
public:
  TirParser(llvm::StringRef text, llvm::StringRef filename)
      : LineParser(text, filename), max_id(ValueId(std::min<size_t>(text.size() + 16, 1u << 30))) {}

  llvm::Expected<Module> run() {
    for_each_line([&](llvm::StringRef line) { parse_line(line); });
    if (errors() == 0 && !seen_header)
      error_at_end("missing the 'tir.kernel @NAME target=TARGET file=\"FILE\"' header");
    else if (errors() == 0 && !seen_body)
      error_at_end("missing the 'body {' line");
    else if (errors() == 0 && !regions.empty())
      error_at_end("missing '}': " + llvm::Twine(regions.size()) + " region(s) still open at the end of the file");
    if (errors() == 0) verify();
    if (errors()) return rendered_diagnostics(diag_text());
    return std::move(mod);
  }

private:
  Module mod;
  const Target *target = nullptr;
  bool seen_header = false, seen_sizes = false, seen_body = false, body_closed = false;
  std::vector<std::vector<Op> *> regions; // open regions, innermost last
  std::vector<llvm::StringRef> op_lines;  // each op's line, in pre-order
  llvm::StringMap<ValueId> tensor_ids;
  std::vector<bool> defined;  // by id: a line defined it
  const ValueId max_id;       // ids past it are refused (bounds the value table)
  ValueId pending = kNoValue; // the result of the op being parsed (an isa dst may name it)
  std::string pending_name;

  bool is_defined(ValueId id) const { return id < defined.size() && defined[id]; }

  void parse_line(llvm::StringRef line) {
    lex = LineLexer(line);
    advance();
    if (tok.kind == Tok::End || is_punct(';')) return;
    if (body_closed) fail(here(), "text after the body's closing '}'");
    if (tok.kind == Tok::Ident && tok.text == "tir.kernel") return parse_header();
    if (!seen_header) fail(here(), "expected the 'tir.kernel @NAME target=TARGET file=\"FILE\"' header first");
    if (is_punct('}')) return close_region();
    if (!seen_body) {
      if (tok.kind == Tok::Ident && tok.text == "sizes") return parse_sizes();
      if (is_punct('%')) return parse_tensor();
      if (tok.kind == Tok::Ident && tok.text == "body") return open_body();
      fail(here(), "expected 'sizes', a tensor ('%NAME = input : TYPE') or 'body {'");
    }
    parse_op();
  }

  // ---- header, sizes, tensors ----

  void expect_key(const char *key) {
    if (tok.kind != Tok::Ident || tok.text != key) fail(here(), llvm::Twine("expected '") + key + "='");
    advance();
    expect_punct('=', "after the key");
  }
  void expect_word(const char *word, const char *why) {
    if (tok.kind != Tok::Ident || tok.text != word) fail(here(), llvm::Twine("expected '") + word + "' " + why);
    advance();
  }

  void parse_header() {
    if (seen_header) fail(tok.text, "a second 'tir.kernel' header: a file holds one kernel");
    seen_header = true;
    advance();
    expect_punct('@', "before the kernel name");
    mod.kernel = expect_ident("a kernel name").str();
    expect_key("target");
    llvm::StringRef t = here();
    mod.target = expect_ident("a target name").str();
    target = find_target(mod.target);
    if (!target) fail(t, "unknown target '" + t + "' (expected trn1 or trn2)");
    expect_key("file");
    mod.file = parse_quoted("a quoted source file name");
    expect_end();
  }

  void parse_sizes() {
    if (seen_sizes) fail(tok.text, "a second 'sizes' line");
    seen_sizes = true;
    advance();
    while (tok.kind != Tok::End) {
      llvm::StringRef at = here();
      std::string name = expect_ident("a size name").str();
      for (auto &[n, v] : mod.sizes)
        if (n == name) fail(at, "size '" + name + "' is bound twice");
      expect_punct('=', "after the size name");
      mod.sizes.push_back({name, parse_int("the size's value", -kMaxDim, kMaxDim)});
    }
  }

  // `%NAME = input|output : hbm DTYPE[DIMS]  loc(L:C)`
  void parse_tensor() {
    advance();
    llvm::StringRef at = here();
    std::string name = expect_ident("a tensor name").str();
    if (tensor_ids.count(name)) fail(at, "tensor '%" + name + "' is declared twice");
    if (name.find('.') != std::string::npos) fail(at, "a tensor name has no '.' (that is a value's %NAME.ID)");
    expect_punct('=', "after the tensor name");
    llvm::StringRef r = here();
    llvm::StringRef role = expect_ident("'input', 'output' or 'scratch'");
    if (role != "input" && role != "output" && role != "scratch") fail(r, "expected 'input', 'output' or 'scratch'");
    expect_punct(':', "before the tensor's type");
    llvm::StringRef ty = here();
    Type t = parse_type();
    if (!t.is_hbm()) fail(ty, "a tensor is an HBM value ('hbm DTYPE[DIMS]')");
    Loc loc = parse_loc("loc");
    expect_end();
    ValueId id = mod.add_value(t, name, loc);
    defined.resize(id + 1);
    defined[id] = true;
    tensor_ids[name] = id;
    mod.tensors.push_back({id, name,
                           role == "input"    ? TensorRole::input
                           : role == "output" ? TensorRole::output
                                              : TensorRole::scratch});
  }

  void open_body() {
    advance();
    expect_punct('{', "after 'body'");
    expect_end();
    seen_body = true;
    regions.push_back(&mod.body);
  }

  void close_region() {
    llvm::StringRef at = tok.text;
    advance();
    expect_end();
    if (regions.empty()) fail(at, "'}' without an open region");
    regions.pop_back();
    if (regions.empty()) body_closed = true;
  }

  // ---- pieces ----

  // `TYPE`: `index`, or `MEM DTYPE[P|F, ...]` (tiles) / `hbm DTYPE[D, ...]`.
  Type parse_type() {
    Type t;
    llvm::StringRef at = here();
    llvm::StringRef word = expect_ident("a type ('index', 'sbuf f32[P|F]', 'hbm f32[D, ...]')");
    if (word == "index") return t;
    auto mem = parse_memory(word.str());
    if (!mem || *mem == Memory::none) fail(at, "unknown memory '" + word + "' (expected sbuf, psum or hbm)");
    t.mem = *mem;
    llvm::StringRef d = here();
    auto dt = parse_dtype(expect_ident("a dtype").str());
    if (!dt) fail(d, "unknown dtype '" + d + "'");
    t.dtype = *dt;
    expect_punct('[', "before the shape");
    int64_t elements = 1;
    auto dim = [&] {
      llvm::StringRef a = here();
      if (t.shape.size() == kMaxDims) fail(a, "more than " + llvm::Twine(kMaxDims) + " dims");
      t.shape.push_back(parse_int("a dim size", 1, kMaxDim));
      elements *= t.shape.back();
      if (elements > kMaxElements) fail(a, "more than 2^40 elements");
    };
    dim();
    if (t.is_tile()) {
      expect_punct('|', "after a tile's partition count");
      if (!is_punct(']')) dim();
    }
    while (is_punct(',')) {
      advance();
      dim();
    }
    expect_punct(']', "after the shape");
    return t;
  }

  // `KEY(LINE:COL)`
  Loc parse_loc(const char *key) {
    expect_word(key, "(the op's source location)");
    expect_punct('(', "before the location");
    Loc l;
    l.line = uint32_t(parse_int("a line", 0, UINT32_MAX));
    expect_punct(':', "between line and column");
    l.col = uint32_t(parse_int("a column", 0, UINT32_MAX));
    expect_punct(')', "after the location");
    return l;
  }

  // `%NAME.ID` / `%ID` split into (name, id); tensors (`%NAME`) give their id
  // and `tensor` = true.
  struct Ref {
    llvm::StringRef at;
    std::string name;
    ValueId id = kNoValue;
    bool tensor = false;
  };
  Ref parse_ref_text() {
    Ref r;
    r.at = here();
    expect_punct('%', "before a value");
    llvm::StringRef t = tok.text;
    auto id_of = [&](llvm::StringRef digits) {
      uint64_t id;
      if (digits.empty() || digits.getAsInteger(10, id) || id == 0 || id > max_id)
        fail(t, "invalid value id '" + digits + "' (1 to " + llvm::Twine(max_id) + " in a file of this size)");
      return ValueId(id);
    };
    if (tok.kind == Tok::Number) {
      r.id = id_of(t);
    } else if (tok.kind == Tok::Ident) {
      size_t dot = t.rfind('.');
      llvm::StringRef digits = dot == llvm::StringRef::npos ? "" : t.substr(dot + 1);
      if (!digits.empty() && digits.find_first_not_of("0123456789") == llvm::StringRef::npos) {
        r.name = t.substr(0, dot).str();
        r.id = id_of(digits);
      } else {
        r.name = t.str();
        r.tensor = true;
      }
    } else {
      fail(here(), "expected a value name (%NAME.ID, %ID or a tensor's %NAME)");
    }
    advance();
    r.at = llvm::StringRef(r.at.data(), t.end() - r.at.data());
    return r;
  }

  // A use: the value must be defined on an earlier line (or be this op's
  // result, when `self` is allowed) and be written as it prints.
  ValueId parse_use(bool self = false) {
    Ref r = parse_ref_text();
    if (r.tensor) {
      auto it = tensor_ids.find(r.name);
      if (it == tensor_ids.end()) fail(r.at, "unknown tensor '%" + r.name + "' (values are written %NAME.ID or %ID)");
      return it->second;
    }
    if (!is_defined(r.id)) {
      if (!self || r.id != pending) fail(r.at, "value %" + llvm::Twine(r.id) + " is not defined before this use");
      if (r.name != pending_name)
        fail(r.at, "this op's result is %" + (pending_name.empty() ? "" : pending_name + ".") + std::to_string(r.id));
      return r.id;
    }
    const Value &v = mod.value(r.id);
    for (const TensorParam &tp : mod.tensors)
      if (tp.value == r.id) fail(r.at, "value %" + llvm::Twine(r.id) + " is tensor '%" + tp.name + "'; write it so");
    if (v.name != r.name)
      fail(r.at, "value %" + llvm::Twine(r.id) + " is " +
                     (v.name.empty() ? std::string("written %") + std::to_string(r.id)
                                     : "named '" + v.name + "' (%" + v.name + "." + std::to_string(r.id) + ")"));
    return r.id;
  }

  ValueId parse_index_use() {
    llvm::StringRef at = here();
    ValueId id = parse_use();
    if (!mod.value(id).type.is_index()) fail(at, "expected a loop index");
    return id;
  }

  // `[-]TERM {(+|-) TERM}` with TERM = `[N*]%index` or `N`.
  Affine parse_affine() {
    Affine a;
    bool first = true;
    for (;;) {
      int64_t sign = 1;
      if (is_punct('-') || (!first && is_punct('+'))) {
        sign = is_punct('-') ? -1 : 1;
        advance();
      } else if (!first) {
        break;
      }
      first = false;
      if (tok.kind == Tok::Number) {
        int64_t n = sign * parse_int("an integer", -kMaxAffine, kMaxAffine);
        if (is_punct('*')) {
          advance();
          a.terms.push_back({parse_index_use(), n});
        } else {
          llvm::StringRef at = here();
          a.constant += n;
          if (a.constant < -kMaxAffine || a.constant > kMaxAffine) fail(at, "the constant is out of range");
        }
      } else if (is_punct('%')) {
        a.terms.push_back({parse_index_use(), sign});
      } else {
        fail(here(), "expected an integer or a loop index");
      }
      if (a.terms.size() > 64) fail(here(), "more than 64 terms");
    }
    return a;
  }

  double parse_imm() {
    llvm::StringRef at = here();
    bool neg = false;
    if (is_punct('-')) {
      neg = true;
      advance();
    }
    double v;
    if (tok.kind == Tok::Ident && (tok.text == "inf" || tok.text == "nan")) {
      v = tok.text == "inf" ? std::numeric_limits<double>::infinity() : std::numeric_limits<double>::quiet_NaN();
    } else if (tok.kind == Tok::Number && !(neg && tok.text.startswith("-"))) {
      std::string t = tok.text.str();
      char *end = nullptr;
      errno = 0;
      v = std::strtod(t.c_str(), &end);
      if (end != t.c_str() + t.size() || t.find_first_of("xXpP") != std::string::npos || std::isinf(v))
        fail(tok.text, "invalid number '" + tok.text + "'");
    } else {
      fail(at, "expected a number");
    }
    advance();
    return neg ? -v : v;
  }

  void expect_comma() { expect_punct(',', "between operands"); }

  // ---- ops ----

  void parse_op() {
    Op op;
    pending = kNoValue;
    Ref def;
    llvm::StringRef line_start = here();
    if (is_punct('%')) {
      def = parse_ref_text();
      if (def.tensor) fail(def.at, "a result is written %NAME.ID or %ID (a tensor's %NAME is declared before 'body')");
      if (is_defined(def.id)) fail(def.at, "value %" + llvm::Twine(def.id) + " is defined twice");
      pending = def.id;
      pending_name = def.name;
      expect_punct('=', "after the result");
    }
    llvm::StringRef kw = here();
    llvm::StringRef word = expect_ident("an op");
    std::optional<Type> index_type;
    bool opens_region = false;
    if (word == "load" || word == "transpose" || word == "copy" || word == "var") {
      op.kind = word == "load"        ? OpKind::load
                : word == "transpose" ? OpKind::transpose
                : word == "copy"      ? OpKind::copy
                                      : OpKind::var;
      op.operands = {parse_use()};
    } else if (word == "store" || word == "assign") {
      op.kind = word == "store" ? OpKind::store : OpKind::assign;
      op.operands.push_back(parse_use());
      expect_comma();
      op.operands.push_back(parse_use());
    } else if (word == "matmul") {
      op.kind = OpKind::matmul;
      op.operands.push_back(parse_use());
      expect_comma();
      op.operands.push_back(parse_use());
      if (tok.kind == Tok::Ident && tok.text == "transpose_x") {
        op.transpose_x = true;
        advance();
      }
    } else if (auto alu = parse_alu(word.str()); alu && !alu_is_unary(*alu)) {
      // (rsqrt, reciprocal and abs are also activation functions: as an op
      // word they are those, below; the one-operand ALU ops are isa-only.)
      op.alu = *alu;
      if (is_punct('%')) {
        op.operands.push_back(parse_use());
        expect_comma();
        if (is_punct('%')) {
          op.kind = OpKind::binary;
          op.operands.push_back(parse_use());
        } else {
          op.kind = OpKind::binary_imm;
          op.imm = parse_imm();
        }
      } else {
        op.kind = OpKind::binary_imm;
        op.imm_first = true;
        op.imm = parse_imm();
        expect_comma();
        op.operands.push_back(parse_use());
      }
    } else if (auto act = parse_act(word.str())) {
      op.kind = OpKind::activation;
      op.act = *act;
      op.operands = {parse_use()};
    } else if (word == "reduce") {
      op.kind = OpKind::reduce;
      llvm::StringRef a = here();
      auto alu = parse_alu(expect_ident("an ALU op").str());
      if (!alu) fail(a, "unknown ALU op '" + a + "'");
      op.alu = *alu;
      op.operands = {parse_use()};
      expect_key("axis");
      op.axis = parse_int("an axis", 1, int64_t(kMaxDims));
      if (tok.kind == Tok::Ident && tok.text == "keepdims") {
        op.keepdims = true;
        advance();
      }
    } else if (word == "full") {
      op.kind = OpKind::full;
      op.imm = parse_imm();
    } else if (word == "iota") {
      op.kind = OpKind::iota;
      expect_key("base");
      op.base = parse_affine();
      expect_key("partition_step");
      op.pstep = parse_int("a step", -kMaxAffine, kMaxAffine);
      expect_key("free_step");
      op.fstep = parse_int("a step", -kMaxAffine, kMaxAffine);
    } else if (word == "where") {
      op.kind = OpKind::where;
      op.operands.push_back(parse_use());
      for (unsigned k = 0; k < 2; ++k) {
        expect_comma();
        if (is_punct('%')) {
          op.operands.push_back(parse_use());
        } else {
          op.where_imm_mask |= uint8_t(1u << k);
          (k == 0 ? op.imm : op.imm2) = parse_imm();
        }
      }
    } else if (word == "view") {
      op.kind = OpKind::view;
      parse_view(op);
    } else if (word.startswith("isa.")) {
      op.kind = OpKind::isa;
      parse_isa(op, kw);
    } else if (word == "for") {
      op.kind = OpKind::loop;
      if (!def.at.empty()) fail(def.at, "a loop's index comes after 'for' ('for %i.ID in parallel(N) {')");
      def = parse_ref_text();
      if (def.tensor) fail(def.at, "a loop index is written %NAME.ID or %ID");
      if (is_defined(def.id)) fail(def.at, "value %" + llvm::Twine(def.id) + " is defined twice");
      expect_word("in", "after the loop index");
      llvm::StringRef k = here();
      llvm::StringRef kind = expect_ident("'parallel' or 'sequential'");
      if (kind != "parallel" && kind != "sequential") fail(k, "expected 'parallel' or 'sequential'");
      op.loop_kind = kind == "parallel" ? LoopKind::parallel : LoopKind::sequential;
      expect_punct('(', "before the trip count");
      op.trip_count = parse_int("a trip count", 1, kMaxTripCount);
      expect_punct(')', "after the trip count");
      expect_punct('{', "to open the loop's body");
      if (regions.size() > kMaxLoopNesting) fail(kw, "loops nest more than " + llvm::Twine(kMaxLoopNesting) + " deep");
      index_type = Type{};
      opens_region = true;
    } else {
      fail(kw, "unknown op '" + word + "'");
    }

    const bool has_result = !def.at.empty();
    const bool must_have = op.kind != OpKind::store && op.kind != OpKind::assign && op.kind != OpKind::isa;
    if (!has_result && must_have) fail(kw, "'" + word + "' defines a value: write '%NAME.ID = " + word + " ...'");
    if (has_result && !must_have && op.kind != OpKind::isa) fail(def.at, "'" + word + "' defines no value");
    Type type;
    if (index_type) {
      type = *index_type;
    } else if (has_result) {
      expect_punct(':', "before the result's type");
      type = parse_type();
    }
    op.loc = parse_loc("loc");
    Loc value_loc = op.loc;
    if (tok.kind == Tok::Ident && tok.text == "value_loc") {
      if (!has_result) fail(here(), "value_loc is the location of an op's result, and this op has none");
      value_loc = parse_loc("value_loc");
    }
    expect_end();

    if (has_result) {
      if (mod.values.size() <= def.id) {
        mod.values.reserve(size_t(def.id) + 1);
        while (mod.values.size() <= def.id) {
          Value unused;
          unused.id = ValueId(mod.values.size());
          mod.values.push_back(unused);
        }
      }
      Value &v = mod.value(def.id);
      v.type = type;
      v.name = def.name;
      v.is_var = op.kind == OpKind::var;
      v.loc = value_loc;
      defined.resize(mod.values.size());
      defined[def.id] = true;
      op.result = def.id;
    }
    op_lines.push_back(line_start);
    regions.back()->push_back(std::move(op));
    if (opens_region) regions.push_back(&regions.back()->back().body);
  }

  // `view %BASE[DIM, ...] [perm [I, ...]]`, DIM = `AFFINE[:+COUNT[:STEP]]` or `%INDEX_TILE[:+COUNT]`.
  void parse_view(Op &op) {
    op.operands.push_back(parse_use());
    expect_punct('[', "before the view's dims");
    while (!is_punct(']')) {
      if (!op.dims.empty()) expect_punct(',', "between dims");
      if (op.dims.size() == kMaxDims) fail(here(), "more than " + llvm::Twine(kMaxDims) + " dims");
      ViewDim d;
      // A tile here is the run-time index (the op's second operand); a
      // loop index starts an affine start.
      LineLexer saved_lex = lex;
      Token saved_tok = tok;
      bool dynamic = false;
      if (is_punct('%')) {
        ValueId id = parse_use();
        if (mod.value(id).type.is_tile()) {
          dynamic = true;
          d.dynamic = true;
          op.operands.push_back(id);
        } else {
          lex = saved_lex;
          tok = saved_tok;
        }
      }
      if (!dynamic) d.start = parse_affine();
      if (is_punct(':')) {
        advance();
        expect_punct('+', "before the dim's count (':+COUNT')");
        d.count = parse_int("a count", 1, kMaxDim);
        if (is_punct(':')) {
          if (dynamic) fail(here(), "a run-time index dim has no step");
          advance();
          d.step = parse_int("a step", 2, kMaxDim); // step 1 is written by leaving it out
        }
      } else {
        d.dropped = true;
      }
      op.dims.push_back(std::move(d));
    }
    advance();
    // ` perm [I, ...]`: the kept dims' order in the result (the verifier
    // checks it is a permutation).
    if (tok.kind == Tok::Ident && tok.text == "perm") {
      advance();
      expect_punct('[', "before the view's permutation");
      while (!is_punct(']')) {
        if (!op.perm.empty()) expect_punct(',', "between permutation entries");
        if (op.perm.size() == kMaxDims) fail(here(), "more than " + llvm::Twine(kMaxDims) + " permutation entries");
        op.perm.push_back(uint8_t(parse_int("a dim number", 0, int64_t(kMaxDims) - 1)));
      }
      advance();
    }
  }

  // `isa.NAME [engine=E] FIELD=VALUE...`: the ISA table's fields.
  void parse_isa(Op &op, llvm::StringRef kw) {
    llvm::StringRef name = kw.drop_front(4);
    auto opcode = parse_opcode(name.str());
    if (!opcode) fail(kw, "unknown instruction '" + name + "'");
    op.opcode = *opcode;
    const OpInfo &info = op_info(op.opcode);
    for (unsigned i = 0; i < info.num_attrs; ++i) op.attrs[i] = attr_default(info.attrs[i]);
    std::vector<std::string> seen;
    while (tok.kind == Tok::Ident && tok.text != "loc") {
      llvm::StringRef key = tok.text;
      for (const std::string &s : seen)
        if (s == key) fail(key, "field '" + key + "' given twice");
      seen.push_back(key.str());
      advance();
      expect_punct('=', "after the field name");
      if (key == "engine") {
        llvm::StringRef at = here();
        auto e = parse_engine(expect_ident("an engine").str());
        if (!e) fail(at, "unknown engine '" + at + "'");
        op.engine = *e;
        continue;
      }
      bool found = false;
      for (unsigned i = 0; i < info.num_aps && !found; ++i)
        if (key == info.aps[i].name) {
          op.aps[i] = parse_use(/*self=*/true);
          found = true;
        }
      for (unsigned i = 0; i < info.num_attrs && !found; ++i)
        if (info.attrs[i].kind != AttrKind::Cont && key == info.attrs[i].name) {
          parse_attr(info.attrs[i], op.attrs, i);
          found = true;
        }
      if (!found) fail(key, "instruction '" + name + "' has no field '" + key + "'");
      if (is_punct(':')) break;
    }
  }

  void verify() {
    VerifyProblem problem = find_problem(mod, *target);
    if (problem.message.empty()) return;
    size_t index = 0, at = SIZE_MAX;
    walk_ops(mod.body, [&](const Op &o) {
      if (&o == problem.op) at = index;
      ++index;
    });
    const std::string msg = "the Tile IR does not verify: " + problem.message;
    if (at < op_lines.size())
      report(op_lines[at], msg);
    else
      error_at_end(msg);
  }
};

} // namespace

llvm::Expected<Module> parse_module(llvm::StringRef text, llvm::StringRef filename) {
  TirParser p(text, filename);
  return p.run();
}

} // namespace nk::tir
