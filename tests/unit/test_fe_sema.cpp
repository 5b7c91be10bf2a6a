// Unit tests for sema and the Tile IR: inferred types, size binding,
// error counts, compile-time arithmetic, linear compile time, and the
// verifier catching broken IR.
#include "compiler/frontend/frontend.h"
#include "compiler/lower/unroll_loops.h"

#include "llvm/Support/MemoryBuffer.h"

#include <doctest/doctest.h>

#include <chrono>

using namespace nk;

namespace {

struct Built {
  llvm::SourceMgr sm;
  std::string diag_text;
  llvm::raw_string_ostream diag_os{diag_text};
  DiagnosticEngine diags{sm, diag_os};
  std::optional<tir::Module> mod;

  Built(llvm::StringRef text, std::map<std::string, int64_t> defines = {}, const char *target = "trn2") {
    unsigned id = sm.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(text, "t.tile"), llvm::SMLoc());
    auto m = build_tile_ir(sm, id, defines, *find_target(target), diags);
    if (m)
      mod = std::move(*m);
    else
      llvm::consumeError(m.takeError());
  }
  std::string diagnostics() { return diag_os.str(); }
  const tir::Value *named(const std::string &name) const {
    for (auto &v : mod->values)
      if (v.name == name) return &v;
    return nullptr;
  }
};

const char *kGqa = R"(
kernel gqa[d = 128, n_q = 8, n_kv = 2, s = 512](q: f32[d, n_q], k: f32[n_kv, d, s], v: f32[n_kv, d, s]) -> f32[n_q, d]:
    requires d <= 128, n_q % n_kv == 0, s % 128 == 0
    let group = n_q / n_kv
    for h in parallel(n_kv):
        let qg = load(q[:, h*group : +group])
        var m = full(sbuf f32[group | 1], -inf)
        var l = zeros(sbuf f32[group | 1])
        var acc = zeros(sbuf f32[group | d])
        for t in sequential(s / 128):
            let kt = load(k[h, :, t*128 : +128])
            let vt = load(v[h, :, t*128 : +128])
            let qk = matmul(qg, kt, transpose_x=true)
            let m_new = maximum(m, max(qk, axis=1, keepdims=true))
            let alpha = exp(m - m_new)
            let p = exp(qk - m_new)
            l = l * alpha + sum(p, axis=1, keepdims=true)
            acc = acc * alpha + matmul(transpose(p), transpose(vt), transpose_x=true)
            m = m_new
        store(out[h*group : +group, :], acc / l)
)";

} // namespace

TEST_CASE("sema: GQA types are inferred after binding") {
  Built b(kGqa, {{"n_q", 16}, {"n_kv", 4}});
  REQUIRE(b.mod);
  CHECK(b.diags.num_errors() == 0);
  CHECK(tir::type_str(b.named("qg")->type) == "sbuf f32[128|4]");
  CHECK(tir::type_str(b.named("qk")->type) == "sbuf f32[4|128]");
  CHECK(tir::type_str(b.named("acc")->type) == "sbuf f32[4|128]");
  CHECK(b.named("acc")->is_var);
  CHECK_FALSE(b.named("qk")->is_var);
  REQUIRE(b.mod->body.size() == 1);
  const tir::Op &outer = b.mod->body[0];
  CHECK(outer.kind == tir::OpKind::loop);
  CHECK(outer.loop_kind == tir::LoopKind::parallel);
  CHECK(outer.trip_count == 4);
  CHECK(b.mod->sizes == std::vector<std::pair<std::string, int64_t>>{{"d", 128}, {"n_q", 16}, {"n_kv", 4}, {"s", 512}});
}

TEST_CASE("sema: the IR stays the same size whatever s is (loops are regions)") {
  Built small(kGqa);
  auto t0 = std::chrono::steady_clock::now();
  Built big(kGqa, {{"s", 131072}});
  auto dt = std::chrono::steady_clock::now() - t0;
  REQUIRE(small.mod);
  REQUIRE(big.mod);
  CHECK(small.mod->num_ops() == big.mod->num_ops());
  CHECK(dt < std::chrono::seconds(2));
}

TEST_CASE("sema: static loops unroll linearly") {
  auto src = [](int n) {
    return "kernel k(x: f32[4, 8]) -> f32[4, 8]:\n    var a = load(x)\n    for i in static(" + std::to_string(n) +
           "):\n        a += 1.0\n    store(out, a)\n";
  };
  Built b10(src(10)), b1000(src(1000));
  REQUIRE(b10.mod);
  REQUIRE(b1000.mod);
  // load, var, store + 2 ops (add, assign) per iteration.
  CHECK(b10.mod->num_ops() == 3 + 2 * 10);
  CHECK(b1000.mod->num_ops() == 3 + 2 * 1000);
}

TEST_CASE("sema: several independent errors in one run") {
  Built b("kernel k(x: f32[4, 8]) -> f32[4, 8]:\n    let a = load(y)\n    let b = 1 / 0\n"
          "    let c = load(x) + load(x[0:2, :])\n    store(out, load(x))\n");
  CHECK_FALSE(b.mod);
  CHECK(b.diags.num_errors() == 3);
  CHECK(b.diagnostics().find("t.tile:2:18: error: use of undeclared name 'y'") != std::string::npos);
  CHECK(b.diagnostics().find("t.tile:3:13: error: division by zero") != std::string::npos);
  CHECK(b.diagnostics().find("t.tile:4:13: error: partition sizes differ (4 vs 2)") != std::string::npos);
}

TEST_CASE("sema: poison does not cascade") {
  Built b("kernel k(x: f32[4, 8]) -> f32[4, 8]:\n    let a = load(nope)\n    let c = exp(a * 2.0)\n"
          "    store(out, c + a)\n");
  CHECK(b.diags.num_errors() == 1);
}

TEST_CASE("sema: compile-time arithmetic is Python-like and checked") {
  Built b("kernel k[n = 7](x: f32[4, 8]) -> f32[4, 8]:\n"
          "    requires n // 2 == 3, n % 3 == 1, -n // 2 == -4, -n % 3 == 2, cdiv(n, 2) == 4\n"
          "    requires min(n, 3, 5) == 3, max(1, n) == 7, n / 2 == 3, sqrt(16.0) == 4.0\n"
          "    store(out, load(x))\n");
  CHECK(b.diags.num_errors() == 0);
  CHECK(b.mod);
}

TEST_CASE("sema: helpers are inlined; integer vars are compile-time values") {
  // Two calls of one helper give the same ops twice, named after it; vars
  // passed in are updated in place; the helper sees sizes, not the caller's
  // lets (a `let y` in the kernel is no 'y' in the helper).
  Built b("def twice(t, acc, k=2.0):\n"
          "    let y = t * k\n"
          "    acc += y\n"
          "    return y\n"
          "kernel k[n = 4](x: f32[n, 8]) -> f32[n, 8]:\n"
          "    let y = 1\n"
          "    var acc = zeros(sbuf f32[n | 8])\n"
          "    var c = 3\n"
          "    for i in static(4):\n"
          "        c = c * 2\n"
          "    requires c == 48, y == 1\n"
          "    let a = twice(load(x), acc)\n"
          "    let b2 = twice(a, acc, k=c)\n"
          "    store(out, acc + b2)\n");
  CHECK(b.diags.num_errors() == 0);
  REQUIRE(b.mod);
  int adds = 0, named = 0;
  for (auto &op : b.mod->body) adds += op.kind == tir::OpKind::assign;
  for (auto &v : b.mod->values) named += v.name == "twice.y";
  CHECK(adds == 2);
  CHECK(named == 2); // one per call: the helper's let names the value first
  CHECK_FALSE(b.named("y"));
}

TEST_CASE("sema: a helper's body does not see the caller's lets") {
  Built b("def f(x):\n"
          "    return x + hidden\n"
          "kernel k[n = 4](x: f32[n, 8]) -> f32[n, 8]:\n"
          "    let hidden = 2.0\n"
          "    store(out, f(load(x)))\n");
  CHECK(b.diags.num_errors() == 1);
  CHECK(b.diagnostics().find("t.tile:2:16: error: use of undeclared name 'hidden'") != std::string::npos);
  CHECK(b.diagnostics().find("t.tile:5:16: note: in call to 'f' here") != std::string::npos);
}

TEST_CASE("sema: target limits come from the target") {
  const char *src = "kernel k(x: f32[128, 50000]) -> f32[128, 50000]:\n    store(out, load(x))\n";
  Built trn2(src, {}, "trn2"), trn1(src, {}, "trn1");
  CHECK(trn2.mod);
  CHECK_FALSE(trn1.mod);
  CHECK(trn1.diagnostics().find("SBUF has 196608 per partition on trn1") != std::string::npos);
}

TEST_CASE("parse_define") {
  auto ok = parse_define("s=512");
  REQUIRE(ok);
  CHECK(ok->first == "s");
  CHECK(ok->second == 512);
  auto neg = parse_define("x=-3");
  REQUIRE(neg);
  CHECK(neg->second == -3);
  for (const char *bad : {"s", "=5", "s=", "s=1.5", "s=99999999999999999999", "1s=2"}) {
    auto r = parse_define(bad);
    CHECK_FALSE(r);
    llvm::consumeError(r.takeError());
  }
}

TEST_CASE("verifier: catches use before definition and bad views") {
  Built b("kernel k(x: f32[4, 8]) -> f32[4, 8]:\n    let a = load(x)\n    store(out, a * 2.0)\n");
  REQUIRE(b.mod);
  const Target &t = *find_target("trn2");
  CHECK(tir::verify_module(*b.mod, t).empty());
  tir::Module broken = *b.mod;
  std::swap(broken.body[0], broken.body[1]); // use %a before its load
  CHECK(tir::verify_module(broken, t).find("not defined before this use") != std::string::npos);
  tir::Module twice = *b.mod;
  twice.body.push_back(twice.body[0]); // the same value defined twice
  CHECK(tir::verify_module(twice, t).find("defined twice") != std::string::npos);
  tir::Module wide = *b.mod;
  wide.values[wide.body[0].result].type.shape[0] = 256;
  CHECK(tir::verify_module(wide, t).find("256 partitions") != std::string::npos);
}

TEST_CASE("sema counts what unroll-loops will make; unroll-loops refuses past the cap") {
  // var's full + var, the loop, 1000 x (add, assign), the empty loop once per
  // iteration of its own loop (body empty: its trip count costs nothing), store.
  Built b("kernel k(x: f32[4, 8]) -> f32[4, 8]:\n    var a = zeros(sbuf f32[4 | 8])\n"
          "    for i in sequential(1000):\n        a += 1.0\n"
          "    for j in sequential(3):\n        for k in parallel(1000000000000000000):\n            pass\n"
          "    store(out, a)\n");
  REQUIRE(b.mod);
  CHECK(tir::unrolled_size(b.mod->body) == 2 + (1 + 1000 * 2) + (1 + 3 * 1) + 1);
  tir::Module m = *b.mod;
  llvm::Error e = tir::unroll_loops(m);
  CHECK_FALSE(bool(e));
  llvm::consumeError(std::move(e));
  CHECK(m.body.size() == 2 + 1000 * 2 + 1);

  // A module sema did not check (built by hand, or read back): past the cap
  // unroll-loops returns an error before allocating and leaves it alone.
  tir::Module big = *b.mod;
  for (tir::Op &op : big.body)
    if (op.kind == tir::OpKind::loop && op.trip_count == 1000) op.trip_count = int64_t(1) << 62;
  REQUIRE(tir::unrolled_size(big.body) > tir::kMaxUnrolledOps);
  size_t before = big.body.size();
  e = tir::unroll_loops(big);
  REQUIRE(bool(e));
  CHECK(llvm::toString(std::move(e)).find("unrolls to") != std::string::npos);
  CHECK(big.body.size() == before);
  // Saturates instead of wrapping.
  for (tir::Op &op : big.body)
    if (op.kind == tir::OpKind::loop && op.trip_count == 3) op.trip_count = INT64_MAX;
  CHECK(tir::unrolled_size(big.body) == UINT64_MAX);
}

TEST_CASE("sema refuses kernels that unroll past the cap, at the loop that repeats most") {
  Built b("kernel k(x: f32[4, 8]) -> f32[4, 8]:\n    var a = zeros(sbuf f32[4 | 8])\n"
          "    for i in sequential(10):\n        for j in sequential(1000000):\n            a += 1.0\n"
          "    store(out, a)\n");
  CHECK_FALSE(b.mod);
  CHECK(b.diags.num_errors() == 1);
  CHECK(b.diagnostics().find("t.tile:4:9: error: the kernel unrolls to more than 1000000 operations: nkc "
                             "unrolls every loop, and this one repeats its body 1000000 times") != std::string::npos);
}
