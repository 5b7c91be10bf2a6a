// See asm_syntax.h.
#include "runtime/asm_syntax.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace nk::asm_syntax {

Token LineLexer::next() {
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

LineParser::LineParser(llvm::StringRef text, llvm::StringRef filename) {
  sm.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(text, filename), llvm::SMLoc());
}

void LineParser::for_each_line(llvm::function_ref<void(llvm::StringRef)> fn) {
  llvm::StringRef all = sm.getMemoryBuffer(1)->getBuffer();
  size_t line_start = 0;
  while (line_start <= all.size()) {
    size_t nl = all.find('\n', line_start);
    if (nl == llvm::StringRef::npos) nl = all.size();
    try {
      fn(all.slice(line_start, nl));
    } catch (ParseError &) {}
    if (nl == all.size()) break;
    line_start = nl + 1;
    if (errors() >= DiagnosticEngine::kMaxErrors) {
      note_at_end("too many errors; stopping");
      break;
    }
  }
}

void LineParser::fail(llvm::StringRef at, const llvm::Twine &msg) {
  report(at, msg);
  throw ParseError{};
}

void LineParser::report(llvm::StringRef at, const llvm::Twine &msg) {
  diags_.error(
      llvm::SMRange(llvm::SMLoc::getFromPointer(at.data()), llvm::SMLoc::getFromPointer(at.data() + at.size())), msg);
}

void LineParser::error_at_end(const llvm::Twine &msg) { diags_.error_in_file(msg); }

void LineParser::note_at_end(const llvm::Twine &msg) { diags_.note_in_file(msg); }

void LineParser::expect_punct(char c, const char *what) {
  if (!is_punct(c)) fail(here(), llvm::Twine("expected '") + llvm::Twine(c) + "' " + what);
  advance();
}

llvm::StringRef LineParser::expect_ident(const char *what) {
  if (tok.kind != Tok::Ident) fail(here(), llvm::Twine("expected ") + what);
  llvm::StringRef t = tok.text;
  advance();
  return t;
}

int64_t LineParser::parse_int(const char *what, int64_t lo, int64_t hi) {
  if (tok.kind != Tok::Number) fail(here(), llvm::Twine("expected ") + what);
  llvm::StringRef t = tok.text;
  long long v;
  if (t.getAsInteger(0, v)) fail(t, llvm::Twine("invalid integer '") + t + "' for " + what);
  if (v < lo || v > hi)
    fail(t, llvm::Twine("expected ") + what + " in [" + llvm::Twine(lo) + ", " + llvm::Twine(hi) + "], got " + t);
  advance();
  return v;
}

uint64_t LineParser::parse_u64(const char *what) {
  if (tok.kind != Tok::Number) fail(here(), llvm::Twine("expected ") + what);
  llvm::StringRef t = tok.text;
  unsigned long long v;
  if (t.getAsInteger(0, v)) fail(t, llvm::Twine("invalid or out-of-range ") + what + " '" + t + "'");
  advance();
  return v;
}

float LineParser::parse_float_value() {
  llvm::StringRef start = here();
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

std::string LineParser::parse_quoted(const char *what) {
  if (tok.kind != Tok::String || tok.text.size() < 2 || !tok.text.endswith("\""))
    fail(here(), llvm::Twine("expected ") + what);
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
  advance();
  return name;
}

void LineParser::expect_end() {
  if (tok.kind != Tok::End) fail(tok.text, "unexpected text at end of line");
}

TensorDecl LineParser::parse_tensor_decl(const std::vector<TensorDecl> &existing) {
  TensorDecl t;
  llvm::StringRef name = here();
  t.name = expect_ident("a tensor name").str();
  for (const TensorDecl &e : existing)
    if (e.name == t.name) fail(name, "tensor '" + name + "' is declared twice");
  llvm::StringRef dt = here();
  auto dtype = parse_dtype(expect_ident("a dtype"));
  if (!dtype) fail(dt, "unknown dtype '" + dt + "'");
  t.dtype = *dtype;
  expect_punct('[', "before the tensor shape");
  while (!is_punct(']')) {
    if (!t.shape.empty()) expect_punct(',', "between dimensions");
    t.shape.push_back(parse_int("a dimension", 0, int64_t(1) << 40));
    if (t.shape.size() > 8) fail(here(), "a tensor has at most 8 dimensions");
  }
  advance();
  expect_punct('@', "before the tensor's HBM offset");
  t.hbm_offset = parse_u64("an HBM offset");
  llvm::StringRef k = here();
  auto kind = parse_tensor_kind(expect_ident("input, output or scratch"));
  if (!kind) fail(k, "unknown tensor kind '" + k + "' (expected input, output or scratch)");
  t.kind = *kind;
  return t;
}

AccessPattern LineParser::parse_access_pattern() {
  AccessPattern a;
  llvm::StringRef m = here();
  auto mem = parse_memory(expect_ident("a memory (hbm, sbuf or psum)"));
  if (!mem) fail(m, "unknown memory '" + m + "' (expected hbm, sbuf or psum)");
  a.mem = *mem;
  parse_pattern_after_memory(a);
  return a;
}

void LineParser::parse_pattern_after_memory(AccessPattern &a) {
  expect_punct(':', "after the memory");
  llvm::StringRef dt = here();
  auto dtype = parse_dtype(expect_ident("a dtype"));
  if (!dtype) fail(dt, "unknown dtype '" + dt + "'");
  a.dtype = *dtype;
  if (a.on_chip()) {
    expect_punct('[', "before the partition range");
    llvm::StringRef at = here();
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
      fail(here(), llvm::Twine("at most ") + llvm::Twine(max_dims) + " dimensions for " + memory_name(a.mem));
    expect_punct('[', "before [stride,count]");
    Dim &d = a.dims[a.num_dims++];
    d.stride = parse_int("a stride", -(int64_t(1) << 40), int64_t(1) << 40);
    expect_punct(',', "between stride and count");
    d.count = uint32_t(parse_int("a count", 1, UINT32_MAX));
    expect_punct(']', "after [stride,count]");
  }
  advance();
}

void LineParser::parse_attr(const AttrFieldInfo &f, std::array<AttrValue, kMaxAttrs> &attrs, unsigned slot) {
  AttrValue &v = attrs[slot];
  llvm::StringRef at = here();
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
      if (n == 32) fail(here(), "a list of 32 bytes has no 33rd");
      bytes32_set(attrs, slot, n++, uint8_t(parse_int("a byte", 0, 255)));
    }
    if (n != 32) fail(here(), "expected 32 bytes, got " + llvm::Twine(n));
    advance();
    return;
  }
  case AttrKind::Cont: return; // never named: the field's first slot is
  }
}

void LineParser::parse_loc_body(DebugLoc &loc, size_t num_files, const char *file_directive) {
  expect_punct('(', "after !loc");
  llvm::StringRef at = here();
  loc.file = uint32_t(parse_int("a file index", 0, UINT32_MAX));
  if (loc.file > num_files)
    fail(at, "file " + llvm::Twine(loc.file) + " is not declared by a " + file_directive + " directive");
  expect_punct(':', "in !loc");
  loc.line = uint32_t(parse_int("a line", 0, UINT32_MAX));
  expect_punct(':', "in !loc");
  loc.col = uint32_t(parse_int("a column", 0, UINT32_MAX));
  expect_punct(')', "after !loc");
}

void LineParser::parse_fields(Instruction &inst, llvm::StringRef name, size_t num_files, const char *file_directive,
                              llvm::function_ref<void(unsigned slot)> operand,
                              llvm::function_ref<bool(llvm::StringRef ext)> extension) {
  const OpInfo &info = op_info(inst.op);
  bool seen_ap[kMaxAps] = {}, seen_attr[kMaxAttrs] = {};
  while (tok.kind != Tok::End) {
    if (is_punct('!')) {
      advance();
      llvm::StringRef ext = tok.text;
      if (tok.kind == Tok::Ident && ext == "loc") {
        advance();
        parse_loc_body(inst.loc, num_files, file_directive);
        continue;
      }
      if (tok.kind == Tok::Ident) {
        advance();
        if (extension(ext)) continue;
      }
      fail(ext.empty() ? here() : ext, "expected 'loc' after '!'");
    }
    llvm::StringRef field = here();
    expect_ident("a field name (name=value)");
    expect_punct('=', "after the field name");
    bool found = false;
    for (unsigned i = 0; i < info.num_aps && !found; ++i) {
      if (field != info.aps[i].name) continue;
      found = true;
      if (seen_ap[i]) fail(field, "field '" + field + "' given twice");
      seen_ap[i] = true;
      operand(i);
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
      for (unsigned i = 0; i < info.num_aps; ++i) fields += std::string(fields.empty() ? "" : ", ") + info.aps[i].name;
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
}

} // namespace nk::asm_syntax
