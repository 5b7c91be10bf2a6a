// Text assembly parser. Line oriented: directives (.kernel, .target,
// .hbm_size, .file, .tensor, .stream) and instructions whose fields are
// `name=value` pairs, looked up in the ISA table. Any field may be omitted
// when optional (access patterns) or defaulted (attributes); unknown or
// repeated fields are errors. After an error the parser skips to the next
// line, so one run reports every bad line.
#include "runtime/asm_parser.h"
#include "runtime/rendered_diagnostics.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

namespace nk {

namespace {

enum class Tok { Ident, Number, String, Punct, End };

struct Token {
  Tok kind = Tok::End;
  llvm::StringRef text; // for String: the raw text including quotes
};

class LineLexer {
public:
  LineLexer(llvm::StringRef line) : s(line) {}
  Token next() {
    while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t' || s[pos] == '\r')) ++pos;
    if (pos >= s.size() || s[pos] == '#') return {Tok::End, s.substr(s.size(), 0)};
    size_t start = pos;
    char c = s[pos];
    auto is_ident = [](char ch) { return std::isalnum((unsigned char)ch) || ch == '_' || ch == '.'; };
    if (std::isalpha((unsigned char)c) || c == '_' ||
        (c == '.' && pos + 1 < s.size() && std::isalpha((unsigned char)s[pos + 1]))) {
      while (pos < s.size() && is_ident(s[pos])) ++pos;
      return {Tok::Ident, s.slice(start, pos)};
    }
    if (std::isdigit((unsigned char)c) || (c == '-' && pos + 1 < s.size() && std::isdigit((unsigned char)s[pos + 1]))) {
      ++pos;
      while (pos < s.size() && (std::isalnum((unsigned char)s[pos]) || s[pos] == '.' ||
                                ((s[pos] == '-' || s[pos] == '+') && (s[pos - 1] == 'e' || s[pos - 1] == 'E') &&
                                 !(s.slice(start, pos).startswith("0x") || s.slice(start, pos).startswith("-0x")))))
        ++pos;
      return {Tok::Number, s.slice(start, pos)};
    }
    if (c == '"') {
      ++pos;
      while (pos < s.size() && s[pos] != '"') pos += s[pos] == '\\' ? 2 : 1;
      if (pos >= s.size()) {
        pos = s.size();
        return {Tok::String, s.slice(start, s.size())};
      }
      ++pos;
      return {Tok::String, s.slice(start, pos)};
    }
    ++pos;
    return {Tok::Punct, s.slice(start, pos)};
  }
  llvm::StringRef s;
  size_t pos = 0;
};

struct ParseError {};

class AsmParser {
public:
  AsmParser(llvm::StringRef text, llvm::StringRef filename) {
    sm.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(text, filename), llvm::SMLoc());
  }

  llvm::Expected<Program> run() {
    llvm::StringRef all = sm.getMemoryBuffer(1)->getBuffer();
    size_t line_start = 0;
    while (line_start <= all.size()) {
      size_t nl = all.find('\n', line_start);
      if (nl == llvm::StringRef::npos) nl = all.size();
      try {
        parse_line(all.slice(line_start, nl));
      } catch (ParseError &) {}
      if (nl == all.size()) break;
      line_start = nl + 1;
      if (errors_ >= 50) {
        note_at_end("too many errors; stopping");
        break;
      }
    }
    if (errors_ == 0) {
      if (prog.kernel.empty()) error_at_end("missing '.kernel NAME' directive");
      if (prog.target.empty()) error_at_end("missing '.target NAME' directive");
    }
    if (errors_) return rendered_diagnostics(diag_text);
    return std::move(prog);
  }

private:
  llvm::SourceMgr sm;
  Program prog;
  Stream *cur_stream = nullptr;
  unsigned errors_ = 0;
  std::string diag_text;
  LineLexer lex{""};
  Token tok;

  // ---- diagnostics ----
  [[noreturn]] void fail(llvm::StringRef at, const llvm::Twine &msg) {
    report(at, msg);
    throw ParseError{};
  }
  void report(llvm::StringRef at, const llvm::Twine &msg) {
    ++errors_;
    llvm::raw_string_ostream os(diag_text);
    llvm::SMLoc loc = llvm::SMLoc::getFromPointer(at.data());
    llvm::SMRange range(loc, llvm::SMLoc::getFromPointer(at.data() + at.size()));
    sm.PrintMessage(os, loc, llvm::SourceMgr::DK_Error, msg,
                    at.size() > 1 ? llvm::ArrayRef<llvm::SMRange>(range) : llvm::None);
  }
  void error_at_end(const llvm::Twine &msg) {
    ++errors_;
    llvm::raw_string_ostream os(diag_text);
    os << sm.getMemoryBuffer(1)->getBufferIdentifier() << ": error: " << msg << '\n';
  }
  void note_at_end(const llvm::Twine &msg) {
    llvm::raw_string_ostream os(diag_text);
    os << sm.getMemoryBuffer(1)->getBufferIdentifier() << ": note: " << msg << '\n';
  }

  // ---- token helpers ----
  void advance() { tok = lex.next(); }
  bool is_punct(char c) const { return tok.kind == Tok::Punct && tok.text[0] == c; }
  void expect_punct(char c, const char *what) {
    if (!is_punct(c))
      fail(tok.text.empty() ? lex.s.substr(lex.s.size()) : tok.text,
           llvm::Twine("expected '") + llvm::Twine(c) + "' " + what);
    advance();
  }
  llvm::StringRef expect_ident(const char *what) {
    if (tok.kind != Tok::Ident) fail(tok.text, llvm::Twine("expected ") + what);
    llvm::StringRef t = tok.text;
    advance();
    return t;
  }
  int64_t parse_int(const char *what, int64_t lo, int64_t hi) {
    if (tok.kind != Tok::Number) fail(tok.text, llvm::Twine("expected ") + what);
    llvm::StringRef t = tok.text;
    long long v;
    if (t.getAsInteger(0, v)) fail(t, llvm::Twine("invalid integer '") + t + "' for " + what);
    if (v < lo || v > hi)
      fail(t, llvm::Twine("expected ") + what + " in [" + llvm::Twine(lo) + ", " + llvm::Twine(hi) + "], got " + t);
    advance();
    return v;
  }
  uint64_t parse_u64(const char *what) {
    if (tok.kind != Tok::Number) fail(tok.text, llvm::Twine("expected ") + what);
    llvm::StringRef t = tok.text;
    unsigned long long v;
    if (t.getAsInteger(0, v)) fail(t, llvm::Twine("invalid or out-of-range ") + what + " '" + t + "'");
    advance();
    return v;
  }
  float parse_float_value() {
    llvm::StringRef start = tok.text;
    bool neg = false;
    if (is_punct('-')) {
      neg = true;
      advance();
    }
    if (tok.kind == Tok::Ident && (tok.text == "inf" || tok.text == "nan")) {
      float v = tok.text == "inf" ? std::numeric_limits<float>::infinity() : std::numeric_limits<float>::quiet_NaN();
      advance();
      return neg ? -v : v;
    }
    if (tok.kind != Tok::Number) fail(start, "expected a number");
    std::string t = tok.text.str();
    if (!neg && (llvm::StringRef(t).startswith("0x") || llvm::StringRef(t).startswith("0X"))) {
      unsigned long long bits;
      if (llvm::StringRef(t).getAsInteger(0, bits) || bits > 0xffffffffull)
        fail(tok.text, "a 0x float literal gives the 32 raw bits of an fp32 value");
      advance();
      return f32_from_bits(uint32_t(bits));
    }
    errno = 0;
    char *end = nullptr;
    float v = std::strtof(t.c_str(), &end);
    if (end != t.c_str() + t.size()) fail(tok.text, "invalid number '" + t + "'");
    if (errno == ERANGE && std::isinf(v)) fail(tok.text, "number '" + t + "' overflows fp32");
    advance();
    return neg ? -v : v;
  }
  void expect_end() {
    if (tok.kind != Tok::End) fail(tok.text, "unexpected text at end of line");
  }

  // ---- grammar ----
  void parse_line(llvm::StringRef line) {
    lex = LineLexer(line);
    advance();
    if (tok.kind == Tok::End) return;
    if (tok.kind == Tok::Ident && tok.text.startswith(".")) return parse_directive();
    if (tok.kind != Tok::Ident) fail(tok.text, "expected a directive or an instruction");
    parse_instruction();
  }

  void parse_directive() {
    llvm::StringRef d = tok.text;
    advance();
    if (d == ".kernel") {
      if (!prog.kernel.empty()) fail(d, "duplicate .kernel directive");
      prog.kernel = expect_ident("a kernel name").str();
    } else if (d == ".target") {
      if (!prog.target.empty()) fail(d, "duplicate .target directive");
      prog.target = expect_ident("a target name").str();
    } else if (d == ".hbm_size") {
      prog.hbm_size = parse_u64("an HBM size in bytes");
    } else if (d == ".file") {
      llvm::StringRef at = tok.text;
      int64_t idx = parse_int("a file index", 1, 1 << 30);
      if (uint64_t(idx) != prog.files.size() + 1)
        fail(at, "file indices must be 1, 2, 3... in order; expected " + llvm::Twine(prog.files.size() + 1));
      if (tok.kind != Tok::String || tok.text.size() < 2 || !tok.text.endswith("\""))
        fail(tok.text, "expected a quoted file name");
      std::string name;
      llvm::StringRef q = tok.text.drop_front().drop_back();
      for (size_t i = 0; i < q.size(); ++i) {
        if (q[i] == '\\' && i + 1 < q.size()) {
          ++i;
          name += q[i] == 'n' ? '\n' : q[i];
        } else {
          name += q[i];
        }
      }
      prog.files.push_back(name);
      advance();
    } else if (d == ".tensor") {
      parse_tensor();
    } else if (d == ".stream") {
      llvm::StringRef name = tok.text;
      expect_ident("a stream name");
      auto id = parse_stream_name(name);
      if (!id) fail(name, "unknown stream '" + name + "' (expected tensor, vector, scalar, gpsimd or dmaN)");
      cur_stream = &prog.stream(*id);
    } else {
      fail(d, "unknown directive '" + d + "'");
    }
    expect_end();
  }

  void parse_tensor() {
    TensorDecl t;
    llvm::StringRef name = tok.text;
    t.name = expect_ident("a tensor name").str();
    if (prog.find_tensor(t.name)) fail(name, "tensor '" + name + "' is declared twice");
    llvm::StringRef dt = tok.text;
    auto dtype = parse_dtype(expect_ident("a dtype"));
    if (!dtype) fail(dt, "unknown dtype '" + dt + "'");
    t.dtype = *dtype;
    expect_punct('[', "before the tensor shape");
    while (!is_punct(']')) {
      if (!t.shape.empty()) expect_punct(',', "between dimensions");
      t.shape.push_back(parse_int("a dimension", 0, int64_t(1) << 40));
      if (t.shape.size() > 8) fail(tok.text, "a tensor has at most 8 dimensions");
    }
    advance();
    expect_punct('@', "before the tensor's HBM offset");
    t.hbm_offset = parse_u64("an HBM offset");
    llvm::StringRef k = tok.text;
    auto kind = parse_tensor_kind(expect_ident("input, output or scratch"));
    if (!kind) fail(k, "unknown tensor kind '" + k + "' (expected input, output or scratch)");
    t.kind = *kind;
    prog.tensors.push_back(std::move(t));
  }

  AccessPattern parse_access_pattern() {
    AccessPattern a;
    llvm::StringRef m = tok.text;
    auto mem = parse_memory(expect_ident("a memory (hbm, sbuf or psum)"));
    if (!mem) fail(m, "unknown memory '" + m + "' (expected hbm, sbuf or psum)");
    a.mem = *mem;
    expect_punct(':', "after the memory");
    llvm::StringRef dt = tok.text;
    auto dtype = parse_dtype(expect_ident("a dtype"));
    if (!dtype) fail(dt, "unknown dtype '" + dt + "'");
    a.dtype = *dtype;
    if (a.on_chip()) {
      expect_punct('[', "before the partition range");
      llvm::StringRef at = tok.text;
      int64_t start = parse_int("a start partition", 0, 65535);
      expect_punct(':', "in the partition range");
      int64_t stop = parse_int("an end partition", 0, 65535);
      if (stop <= start) fail(at, "empty partition range");
      a.start_partition = uint16_t(start);
      a.num_partitions = uint16_t(stop - start);
      expect_punct(']', "after the partition range");
    }
    expect_punct('+', "before the byte offset");
    a.offset = parse_u64("a byte offset");
    expect_punct('[', "before the dimension list");
    unsigned max_dims = a.on_chip() ? kMaxFreeDims : kMaxHbmDims;
    while (!is_punct(']')) {
      if (a.num_dims) expect_punct(',', "between dimensions");
      if (a.num_dims == max_dims)
        fail(tok.text, llvm::Twine("at most ") + llvm::Twine(max_dims) + " dimensions for " + memory_name(a.mem));
      expect_punct('[', "before [stride,count]");
      Dim &d = a.dims[a.num_dims++];
      d.stride = parse_int("a stride", -(int64_t(1) << 40), int64_t(1) << 40);
      expect_punct(',', "between stride and count");
      d.count = uint32_t(parse_int("a count", 1, UINT32_MAX));
      expect_punct(']', "after [stride,count]");
    }
    advance();
    return a;
  }

  void parse_instruction() {
    llvm::StringRef name = tok.text;
    auto op = parse_opcode(name);
    if (!op) fail(name, "unknown instruction '" + name + "'");
    if (!cur_stream) fail(name, "instruction before any '.stream' directive");
    advance();
    Instruction inst = Instruction::make(*op);
    const OpInfo &info = op_info(*op);
    bool seen_ap[kMaxAps] = {}, seen_attr[kMaxAttrs] = {};
    while (tok.kind != Tok::End) {
      if (is_punct('!')) {
        advance();
        if (tok.kind != Tok::Ident || tok.text != "loc") fail(tok.text, "expected 'loc' after '!'");
        advance();
        expect_punct('(', "after !loc");
        llvm::StringRef at = tok.text;
        inst.loc.file = uint32_t(parse_int("a file index", 0, UINT32_MAX));
        if (inst.loc.file > prog.files.size())
          fail(at, "file " + llvm::Twine(inst.loc.file) + " is not declared by a .file directive");
        expect_punct(':', "in !loc");
        inst.loc.line = uint32_t(parse_int("a line", 0, UINT32_MAX));
        expect_punct(':', "in !loc");
        inst.loc.col = uint32_t(parse_int("a column", 0, UINT32_MAX));
        expect_punct(')', "after !loc");
        continue;
      }
      llvm::StringRef field = tok.text;
      expect_ident("a field name (name=value)");
      expect_punct('=', "after the field name");
      bool found = false;
      for (unsigned i = 0; i < info.num_aps && !found; ++i) {
        if (field != info.aps[i].name) continue;
        found = true;
        if (seen_ap[i]) fail(field, "field '" + field + "' given twice");
        seen_ap[i] = true;
        inst.ap[i] = parse_access_pattern();
      }
      for (unsigned i = 0; i < info.num_attrs && !found; ++i) {
        if (field != info.attrs[i].name) continue;
        found = true;
        if (seen_attr[i]) fail(field, "field '" + field + "' given twice");
        seen_attr[i] = true;
        parse_attr(info.attrs[i], inst.attr, i);
      }
      if (!found) {
        std::string fields;
        for (unsigned i = 0; i < info.num_aps; ++i)
          fields += std::string(fields.empty() ? "" : ", ") + info.aps[i].name;
        for (unsigned i = 0; i < info.num_attrs; ++i)
          if (info.attrs[i].kind != AttrKind::Cont)
            fields += std::string(fields.empty() ? "" : ", ") + info.attrs[i].name;
        fail(field, "'" + name + "' has no field '" + field + "' (fields: " + fields + ")");
      }
    }
    for (unsigned i = 0; i < info.num_aps; ++i)
      if (info.aps[i].presence == FieldPresence::Required && !seen_ap[i])
        fail(name, "'" + name + "' needs the operand '" + info.aps[i].name + "'");
    for (unsigned i = 0; i < info.num_attrs; ++i)
      if (info.attrs[i].presence == FieldPresence::Required && info.attrs[i].kind != AttrKind::Cont && !seen_attr[i])
        fail(name, "'" + name + "' needs the attribute '" + info.attrs[i].name + "'");
    cur_stream->insts.push_back(inst);
  }

  // The attribute whose (first) slot is attrs[slot].
  void parse_attr(const AttrFieldInfo &f, std::array<AttrValue, kMaxAttrs> &attrs, unsigned slot) {
    AttrValue &v = attrs[slot];
    llvm::StringRef at = tok.text;
    switch (f.kind) {
    case AttrKind::Bool: {
      llvm::StringRef b = expect_ident("true or false");
      if (b != "true" && b != "false") fail(b, "expected true or false");
      v.i = b == "true";
      return;
    }
    case AttrKind::Int:
      v.i = parse_int("an integer", std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
      return;
    case AttrKind::Sem: v.i = parse_int("a semaphore number", 0, UINT32_MAX); return;
    case AttrKind::Float: v = AttrValue::of_float(parse_float_value()); return;
    case AttrKind::Alu: {
      llvm::StringRef n = expect_ident("an ALU op");
      auto op = parse_alu(n);
      if (!op) fail(at, "unknown ALU op '" + n + "'");
      v.i = int64_t(*op);
      return;
    }
    case AttrKind::Act: {
      llvm::StringRef n = expect_ident("an activation function");
      auto fn = parse_act(n);
      if (!fn) fail(at, "unknown activation function '" + n + "'");
      v.i = int64_t(*fn);
      return;
    }
    case AttrKind::Bytes32: {
      // [b0,b1,...,b31]: exactly 32 integers in [0, 255].
      expect_punct('[', "before the list of 32 bytes");
      unsigned n = 0;
      while (!is_punct(']')) {
        if (n) expect_punct(',', "between the bytes");
        if (n == 32) fail(tok.text, "a list of 32 bytes has no 33rd");
        bytes32_set(attrs, slot, n++, uint8_t(parse_int("a byte", 0, 255)));
      }
      if (n != 32) fail(tok.text, "expected 32 bytes, got " + llvm::Twine(n));
      advance();
      return;
    }
    case AttrKind::Cont: return; // never named: the field's first slot is
    }
  }
};

} // namespace

llvm::Expected<Program> parse_assembly(llvm::StringRef text, llvm::StringRef filename) {
  AsmParser p(text, filename);
  return p.run();
}

} // namespace nk
