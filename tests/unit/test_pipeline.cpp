// The whole compiler on the seed kernels: both compile for both targets to
// verified programs, every pass's dump prints, and unknown pass names in
// --print-after are rejected.
#include "compiler/pipeline.h"
#include "runtime/verifier.h"

#include <doctest/doctest.h>

using namespace nk;

namespace {
std::string kernel_path(const char *name) { return std::string(NK_SOURCE_DIR) + "/kernels/" + name; }
} // namespace

TEST_CASE("seed kernels compile to verified programs on both targets") {
  for (const char *k : {"decode_attention.tile", "decode_attention_gqa.tile"})
    for (const Target *t : all_targets()) {
      INFO(k << " on " << t->name);
      std::string errs;
      llvm::raw_string_ostream es(errs);
      auto p = compile_tile_file(kernel_path(k), {}, *t, PipelineOptions{}, es);
      REQUIRE_MESSAGE(p, llvm::toString(p.takeError()) << es.str());
      CHECK(find_verifier_errors(*p, *t).empty());
      CHECK(p->num_instructions() > 10);
      CHECK(p->find_tensor("out"));
    }
}

TEST_CASE("pass dumps and pass names") {
  const Target &t = *find_target("trn2");
  std::string dump;
  llvm::raw_string_ostream os(dump);
  PipelineOptions opts;
  opts.print_after_all = true;
  opts.dump = &os;
  std::string errs;
  llvm::raw_string_ostream es(errs);
  auto p = compile_tile_file(kernel_path("decode_attention.tile"), {}, t, opts, es);
  REQUIRE_MESSAGE(p, llvm::toString(p.takeError()));
  for (const std::string &n : pipeline_pass_names())
    CHECK_MESSAGE(os.str().find("; *** IR Dump After " + n + " ***") != std::string::npos, n);
  opts.print_after_all = false;
  opts.print_after = {"no-such-pass"};
  auto bad = compile_tile_file(kernel_path("decode_attention.tile"), {}, t, opts, es);
  REQUIRE_FALSE(bad);
  CHECK(llvm::toString(bad.takeError()).find("unknown pass 'no-such-pass'") != std::string::npos);
}
