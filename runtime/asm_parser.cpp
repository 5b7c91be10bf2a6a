// Text assembly parser. Line oriented: directives (.kernel, .target,
// .hbm_size, .cores, .file, .tensor, .stream) and instructions whose fields are
// `name=value` pairs, looked up in the ISA table. Any field may be omitted
// when optional (access patterns) or defaulted (attributes); unknown or
// repeated fields are errors. After an error the parser skips to the next
// line, so one run reports every bad line. The lexer, diagnostics and the
// table-driven field syntax are shared with the LIR parser
// (runtime/asm_syntax.h).
#include "runtime/asm_parser.h"
#include "runtime/asm_syntax.h"
#include "runtime/rendered_diagnostics.h"

#include <string>

namespace nk {

namespace {

using namespace asm_syntax;

class AsmParser : public LineParser {
public:
  using LineParser::LineParser;

  llvm::Expected<Program> run() {
    for_each_line([&](llvm::StringRef line) { parse_line(line); });
    if (errors() == 0) {
      if (prog.kernel.empty()) error_at_end("missing '.kernel NAME' directive");
      if (prog.target.empty()) error_at_end("missing '.target NAME' directive");
    }
    if (errors()) return rendered_diagnostics(diag_text());
    return std::move(prog);
  }

private:
  Program prog;
  Stream *cur_stream = nullptr;

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
    } else if (d == ".cores") {
      prog.cores = uint8_t(parse_int("a core count (1 or 2)", 1, 2));
    } else if (d == ".file") {
      llvm::StringRef at = tok.text;
      int64_t idx = parse_int("a file index", 1, 1 << 30);
      if (uint64_t(idx) != prog.files.size() + 1)
        fail(at, "file indices must be 1, 2, 3... in order; expected " + llvm::Twine(prog.files.size() + 1));
      prog.files.push_back(parse_quoted("a quoted file name"));
    } else if (d == ".tensor") {
      prog.tensors.push_back(parse_tensor_decl(prog.tensors));
    } else if (d == ".stream") {
      llvm::StringRef name = tok.text;
      expect_ident("a stream name");
      auto id = parse_stream_name(name);
      if (!id)
        fail(name, "unknown stream '" + name +
                       "' (expected tensor, vector, scalar, gpsimd or dmaN, on core 1 prefixed 'core1.')");
      cur_stream = &prog.stream(*id);
    } else {
      fail(d, "unknown directive '" + d + "'");
    }
    expect_end();
  }

  void parse_instruction() {
    llvm::StringRef name = tok.text;
    auto op = parse_opcode(name);
    if (!op) fail(name, "unknown instruction '" + name + "'");
    if (!cur_stream) fail(name, "instruction before any '.stream' directive");
    advance();
    Instruction inst = Instruction::make(*op);
    parse_fields(
        inst, name, prog.files.size(), ".file", [&](unsigned slot) { inst.ap[slot] = parse_access_pattern(); },
        [](llvm::StringRef) { return false; });
    cur_stream->insts.push_back(inst);
  }
};

} // namespace

llvm::Expected<Program> parse_assembly(llvm::StringRef text, llvm::StringRef filename) {
  AsmParser p(text, filename);
  return p.run();
}

} // namespace nk
