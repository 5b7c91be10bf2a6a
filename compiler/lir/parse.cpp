// LIR text parser (see parse.h). Line oriented, on the assembler's syntax
// layer: `lir` header, then `file`, `tensor` and `buffer` declarations, then
// instructions `[STREAM:] OP field=value... [!engines(...)] [!assign] [!loc(...)]`.
// Lines starting with ';' are comments (an --print-after dump's banner), as
// is everything after '#'.
#include "compiler/lir/parse.h"

#include "compiler/lir/verify.h"
#include "runtime/asm_syntax.h"
#include "runtime/rendered_diagnostics.h"
#include "runtime/target.h"
#include "runtime/verifier.h"

#include "llvm/ADT/StringMap.h"

#include <vector>

namespace nk::lir {

namespace {

using namespace asm_syntax;

class LirParser : public LineParser {
public:
  using LineParser::LineParser;

  llvm::Expected<Program> run() {
    for_each_line([&](llvm::StringRef line) { parse_line(line); });
    if (errors() == 0 && !seen_header) error_at_end("missing the 'lir NAME target=TARGET hbm_size=BYTES' header");
    if (errors() == 0) verify();
    if (errors()) return rendered_diagnostics(diag_text());
    return std::move(prog);
  }

private:
  Program prog;
  const Target *target = nullptr;
  bool seen_header = false;
  llvm::StringMap<BufferId> buffer_ids;
  std::vector<llvm::StringRef> buffer_lines, inst_lines; // where each was declared

  void parse_line(llvm::StringRef line) {
    lex = LineLexer(line);
    advance();
    if (tok.kind == Tok::End || is_punct(';')) return;
    if (tok.kind != Tok::Ident) fail(tok.text, "expected a declaration or an instruction");
    llvm::StringRef first = tok.text;
    if (first == "lir") return parse_header();
    if (!seen_header) fail(first, "expected the 'lir NAME target=TARGET hbm_size=BYTES' header first");
    advance();
    if (is_punct(':')) return parse_instruction(first); // `tensor: ...` is a stream, not a declaration
    if (first == "file") return parse_file();
    if (first == "tensor") {
      prog.tensors.push_back(parse_tensor_decl(prog.tensors));
      return expect_end();
    }
    if (first == "buffer") return parse_buffer(first);
    parse_instruction(first);
  }

  void parse_header() {
    llvm::StringRef at = tok.text;
    if (seen_header) fail(at, "a second 'lir' header: a file holds one program");
    seen_header = true; // even if the rest of the line is bad: the lines after it still parse
    advance();
    prog.kernel = expect_ident("a kernel name").str();
    expect_key("target");
    llvm::StringRef t = here();
    prog.target = expect_ident("a target name").str();
    target = find_target(prog.target);
    if (!target) fail(t, "unknown target '" + t + "' (expected trn1 or trn2)");
    expect_key("hbm_size");
    prog.hbm_size = parse_u64("an HBM size in bytes");
    expect_end();
  }

  void expect_key(const char *key) {
    if (tok.kind != Tok::Ident || tok.text != key) fail(here(), llvm::Twine("expected '") + key + "='");
    advance();
    expect_punct('=', "after the key");
  }

  void parse_file() {
    llvm::StringRef at = here();
    int64_t idx = parse_int("a file index", 1, 1 << 30);
    if (uint64_t(idx) != prog.files.size() + 1)
      fail(at, "file indices must be 1, 2, 3... in order; expected " + llvm::Twine(prog.files.size() + 1));
    prog.files.push_back(parse_quoted("a quoted file name"));
    expect_end();
  }

  llvm::StringRef parse_buffer_name() {
    expect_punct('%', "before a buffer name");
    return expect_ident("a buffer name");
  }

  // `buffer %NAME MEM [P x N B] [@OFFSET] [!loc(...)]`
  void parse_buffer(llvm::StringRef line_start) {
    Buffer b;
    llvm::StringRef name = here();
    b.name = parse_buffer_name().str();
    if (buffer_ids.count(b.name)) fail(name, "buffer '%" + b.name + "' is declared twice");
    llvm::StringRef m = here();
    auto mem = parse_memory(expect_ident("a memory (sbuf or psum)"));
    if (!mem || (*mem != Memory::sbuf && *mem != Memory::psum)) fail(m, "a buffer is in sbuf or psum, not '" + m + "'");
    b.mem = *mem;
    expect_punct('[', "before the buffer's size");
    b.partitions = uint32_t(parse_int("a partition count", 0, 65535));
    if (tok.kind != Tok::Ident || tok.text != "x") fail(here(), "expected 'x' between partitions and bytes");
    advance();
    b.bytes = parse_u64("bytes per partition");
    if (tok.kind != Tok::Ident || tok.text != "B") fail(here(), "expected 'B' after the bytes per partition");
    advance();
    expect_punct(']', "after the buffer's size");
    if (is_punct('@')) {
      advance();
      b.offset = parse_u64("the buffer's byte address");
      b.allocated = true;
    }
    if (is_punct('!')) {
      advance();
      if (tok.kind != Tok::Ident || tok.text != "loc") fail(here(), "expected 'loc' after '!'");
      advance();
      parse_loc_body(b.loc, prog.files.size(), "file");
    }
    expect_end();
    const std::string key = b.name;
    buffer_ids[key] = prog.add_buffer(std::move(b));
    buffer_lines.push_back(line_start);
  }

  BufferId lookup_buffer(llvm::StringRef at, llvm::StringRef name) {
    auto it = buffer_ids.find(name);
    if (it == buffer_ids.end()) fail(at, "unknown buffer '%" + name + "' (declare it with a 'buffer' line first)");
    return it->second;
  }

  // `%NAME:dtype[p0:p1]+off[dims]` (buffer-relative, before the buffer has
  // an address) or `mem:dtype...` with `{%NAME}` after it for an on-chip
  // operand whose buffer has one.
  void parse_operand(Inst &in, unsigned slot) {
    AccessPattern &a = in.inst.ap[slot];
    if (is_punct('%')) {
      llvm::StringRef at = here();
      llvm::StringRef name = parse_buffer_name();
      BufferId b = lookup_buffer(at, name);
      const Buffer &buf = prog.buffers[b];
      if (buf.allocated)
        fail(at, "buffer '%" + name + "' has an address: its operands are absolute, as " + memory_name(buf.mem) +
                     ":DTYPE[P0:P1]+OFFSET[DIMS]{%" + name + "}");
      a.mem = buf.mem;
      parse_pattern_after_memory(a);
      in.buffer[slot] = b;
      return;
    }
    a = parse_access_pattern();
    if (!is_punct('{')) return;
    advance();
    llvm::StringRef at = here();
    llvm::StringRef name = parse_buffer_name();
    BufferId b = lookup_buffer(at, name);
    if (!prog.buffers[b].allocated)
      fail(at, "buffer '%" + name + "' has no address: its operands are buffer-relative, as %" + name +
                   ":DTYPE[P0:P1]+OFFSET[DIMS]");
    expect_punct('}', "after the buffer name");
    in.buffer[slot] = b;
  }

  void parse_engines(Inst &in) {
    expect_punct('(', "after !engines");
    in.engines = 0;
    while (!is_punct(')')) {
      if (in.engines) expect_punct(',', "between engines");
      llvm::StringRef at = here();
      auto e = parse_engine(expect_ident("an engine"));
      if (!e) fail(at, "unknown engine '" + at + "' (expected tensor, vector, scalar, gpsimd or dma)");
      if (in.engines & engine_bit(*e)) fail(at, "engine '" + at + "' given twice");
      in.engines |= engine_bit(*e);
    }
    if (!in.engines) fail(here(), "an instruction needs at least one engine");
    advance();
  }

  // `[STREAM:] OP field=value... [!engines(...)] [!assign] [!loc(F:L:C)]`
  void parse_instruction(llvm::StringRef first) {
    Inst in;
    llvm::StringRef name = first;
    if (is_punct(':')) { // `first` is the stream
      auto id = parse_stream_name(first);
      if (!id) fail(first, "unknown stream '" + first + "' (expected tensor, vector, scalar, gpsimd or dmaN)");
      in.stream = *id;
      in.placed = true;
      advance();
      name = here();
      expect_ident("an instruction");
    }
    auto op = parse_opcode(name);
    if (!op) fail(name, "unknown instruction '" + name + "'");
    in.inst = Instruction::make(*op);
    in.engines = op_info(*op).engines;
    parse_fields(
        in.inst, name, prog.files.size(), "file", [&](unsigned slot) { parse_operand(in, slot); },
        [&](llvm::StringRef ext) {
          if (ext == "assign") {
            if (*op != Opcode::tensor_copy) fail(ext, "!assign marks a tensor_copy (an assignment's), not " + name);
            in.assign_copy = true;
            return true;
          }
          if (ext != "engines") return false;
          parse_engines(in);
          return true;
        });
    prog.insts.push_back(in);
    inst_lines.push_back(first);
  }

  // Every compute instruction must be legal on some engine of its set (the
  // runtime verifier's operand rules: legal_engines), as legalize makes
  // sure: the passes' cost model and the scheduler rely on it.
  void check_legal() {
    for (size_t i = 0; i < prog.insts.size(); ++i) {
      const Inst &in = prog.insts[i];
      if (in.engines == engine_bit(Engine::dma) || legal_engines(in.inst, in.engines, *target)) continue;
      std::string why = "no engine it may run on accepts it";
      for (unsigned e = 0; e < kNumEngines; ++e) {
        if (!(in.engines & engine_bit(Engine(e)))) continue;
        nk::Program one; // just this instruction, to have the rule's words
        one.kernel = prog.kernel;
        one.target = prog.target;
        one.hbm_size = prog.hbm_size;
        one.stream(StreamId{Engine(e), 0}).insts.push_back(in.inst);
        for (const std::string &m : find_verifier_errors(one, *target)) {
          const size_t colon = m.find("): ");
          if (llvm::StringRef(m).startswith("stream ") && colon != std::string::npos) {
            why += "; on " + std::string(engine_name(Engine(e))) + ": " + m.substr(colon + 3);
            break;
          }
        }
      }
      report(inst_lines[i], why);
    }
  }

  void verify() {
    VerifyProblem problem = find_problem(prog, *target, reached_stage(prog));
    if (problem.message.empty()) return check_legal();
    llvm::StringRef at = problem.inst < inst_lines.size()       ? inst_lines[problem.inst]
                         : problem.buffer < buffer_lines.size() ? buffer_lines[problem.buffer]
                                                                : llvm::StringRef();
    const std::string msg = "the LIR does not verify: " + problem.message;
    if (at.data())
      report(at, msg);
    else
      error_at_end(msg);
  }
};

} // namespace

llvm::Expected<Program> parse_program(llvm::StringRef text, llvm::StringRef filename) {
  LirParser p(text, filename);
  return p.run();
}

} // namespace nk::lir
