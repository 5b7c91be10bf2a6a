// The LIR text round trip (compiler/lir/parse.h): for every kernel under
// kernels/, on both targets, the dump after each LIR pass parses back and
// prints byte for byte as it was; and the rest of the pipeline run on the
// parsed program gives exactly the program the whole pipeline gives, so no
// state a later pass reads is lost in the text. Malformed text (every
// truncation and byte flips of a dump) is an error, never a crash.
#include "compiler/lir/parse.h"
#include "compiler/pipeline.h"
#include "runtime/rendered_diagnostics.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <map>

using namespace nk;

namespace {

std::string print(const lir::Program &p) {
  std::string s;
  llvm::raw_string_ostream os(s);
  lir::print_program(os, p);
  return os.str();
}

// The dumps of --print-after-all: pass name -> text (LIR passes only).
std::vector<std::pair<std::string, std::string>> lir_dumps(const std::string &all) {
  std::vector<std::pair<std::string, std::string>> out;
  const std::string banner = "; *** IR Dump After ";
  size_t at = all.find(banner);
  while (at != std::string::npos) {
    size_t name_start = at + banner.size();
    size_t name_end = all.find(' ', name_start);
    size_t body = all.find('\n', name_end) + 1;
    size_t next = all.find(banner, body);
    std::string text = all.substr(body, (next == std::string::npos ? all.size() : next) - body);
    while (!text.empty() && text.back() == '\n') text.pop_back();
    text += '\n';
    if (text.rfind("lir ", 0) == 0) out.push_back({all.substr(name_start, name_end - name_start), text});
    at = next;
  }
  return out;
}

} // namespace

TEST_CASE("every kernel's LIR round-trips at every pass boundary, and the pipeline resumes from it") {
  std::vector<std::string> kernels;
  for (const auto &e : std::filesystem::recursive_directory_iterator(std::string(NK_SOURCE_DIR) + "/kernels"))
    if (e.path().extension() == ".tile") kernels.push_back(e.path().string());
  std::sort(kernels.begin(), kernels.end());
  REQUIRE(kernels.size() >= 5);
  for (const std::string &k : kernels)
    for (const Target *t : all_targets()) {
      INFO(k << " on " << t->name);
      std::string dump, errs;
      llvm::raw_string_ostream ds(dump), es(errs);
      PipelineOptions opts;
      opts.print_after_all = true;
      opts.dump = &ds;
      // The paged kernels' default masks use range_select, which trn1 lacks
      // (NeuronCore-v3 and later); -D masks=2 is their trn1 form.
      std::map<std::string, int64_t> defines;
      if (std::filesystem::path(k).filename().string().find("paged") != std::string::npos &&
          std::string(t->name) == "trn1")
        defines["masks"] = 2;
      auto whole = compile_tile_file(k, defines, *t, opts, es);
      REQUIRE_MESSAGE(whole, llvm::toString(whole.takeError()) << es.str());
      auto dumps = lir_dumps(ds.str());
      REQUIRE(dumps.size() == 7); // legalize ... insert-semaphores
      for (const auto &[pass, text] : dumps) {
        INFO("after " << pass);
        auto parsed = lir::parse_program(text, "dump.lir");
        REQUIRE_MESSAGE(parsed, llvm::toString(parsed.takeError()));
        CHECK(print(*parsed) == text);
        auto rest = run_lir_passes(std::move(*parsed), remaining_lir_passes(lir::parse_program(text, "d").get()), *t,
                                   PipelineOptions{});
        REQUIRE_MESSAGE(rest, llvm::toString(rest.takeError()));
        REQUIRE(rest->program);
        CHECK(*rest->program == *whole);
      }
    }
}

TEST_CASE("malformed LIR is an error with a location, never a crash") {
  std::string dump, errs;
  llvm::raw_string_ostream ds(dump), es(errs);
  PipelineOptions opts;
  opts.print_after = {"insert-semaphores"};
  opts.dump = &ds;
  const Target &t = *find_target("trn2");
  auto whole = compile_tile_file(std::string(NK_SOURCE_DIR) + "/kernels/decode_attention.tile", {}, t, opts, es);
  REQUIRE(whole);
  const std::string text = lir_dumps(ds.str()).at(0).second;
  REQUIRE(lir::parse_program(text, "x.lir"));
  size_t errors = 0;
  auto try_parse = [&](const std::string &s) {
    auto p = lir::parse_program(s, "x.lir");
    if (p) return;
    ++errors;
    llvm::Error e = p.takeError();
    auto rendered = take_rendered(e);
    REQUIRE(rendered);
    CHECK(rendered->find("x.lir:") == 0);
  };
  for (size_t cut = 0; cut < text.size(); cut += 7) try_parse(text.substr(0, cut));
  for (size_t at = 0; at < text.size(); at += 5)
    for (char c : {'%', '0', ']', ' ', '\n', 'x', '-'}) {
      std::string s = text;
      s[at] = c;
      try_parse(s);
    }
  CHECK(errors > 100);
}
