// Output comparison: the allclose rule, the worst element, NaN/inf handling
// and the printed lines.
#include "oracle/compare.h"

#include <doctest/doctest.h>

#include <cmath>

using namespace nk;
using namespace nk::oracle;

namespace {
std::string printed(const Comparison &c) {
  std::string s;
  llvm::raw_string_ostream os(s);
  print_comparison(os, c);
  return os.str();
}
} // namespace

TEST_CASE("compare: allclose rule, errors and worst element") {
  HostTensor ref = HostTensor::from_floats(Dtype::f32, {2, 3}, {1, 2, 0, -4, 100, 0.5f});
  HostTensor got = HostTensor::from_floats(Dtype::f32, {2, 3}, {1, 2, 0, -4, 100.0005f, 0.5f});
  auto c = compare_tensors("out", got, ref, {1e-5, 1e-5});
  REQUIRE(c);
  CHECK(c->passed); // 0.0005 <= 1e-5 + 1e-5*100
  CHECK(c->num_mismatched == 0);
  CHECK(c->max_abs_error == doctest::Approx(0.000503540039).epsilon(1e-6));
  CHECK(c->max_rel_error == doctest::Approx(0.00000503540039).epsilon(1e-6));
  CHECK(c->worst_index == std::vector<int64_t>{1, 1});
  CHECK(printed(*c).rfind("check out: PASS max_abs_err=0.0005035 max_rel_err=5.035e-06 worst=[1,1] "
                          "(got 100.0005, expected 100) atol=1e-05 rtol=1e-05\n",
                          0) == 0);

  // The same absolute error on a small element fails, and becomes the worst.
  got.set_f32(5, 0.5005f);
  c = compare_tensors("out", got, ref, {1e-5, 1e-5});
  REQUIRE(c);
  CHECK(!c->passed);
  CHECK(c->num_mismatched == 1);
  CHECK(c->worst_index == std::vector<int64_t>{1, 2});
  CHECK(c->worst_actual == 0.5005f);
  CHECK(c->max_rel_error == doctest::Approx(0.001).epsilon(1e-3));
  std::string text = printed(*c);
  CHECK(text.rfind("check out: FAIL ", 0) == 0);
  CHECK(text.find("\n  1 of 6 elements exceed atol + rtol*|expected|\n") != std::string::npos);

  // Looser tolerance passes; atol alone covers errors at expected == 0.
  got.set_f32(2, 1e-6f);
  c = compare_tensors("out", got, ref, {1e-2, 1e-2});
  REQUIRE(c);
  CHECK(c->passed);
  CHECK(c->max_rel_error == doctest::Approx(0.001).epsilon(1e-3)); // zeros excluded from rel
  // ... unless an element whose expected value is 0 fails.
  c = compare_tensors("out", got, ref, {1e-7, 1e-2});
  REQUIRE(c);
  CHECK(!c->passed);
  CHECK(std::isinf(c->max_rel_error));
  CHECK(c->worst_index == std::vector<int64_t>{0, 2});
}

TEST_CASE("compare: NaN and infinities") {
  HostTensor ref = HostTensor::from_floats(Dtype::f32, {4}, {NAN, INFINITY, 1, 2});
  HostTensor same = ref;
  auto c = compare_tensors("o", same, ref, {});
  REQUIRE(c);
  CHECK(c->passed); // NaN where the reference has NaN, equal infinities
  CHECK(c->max_abs_error == 0);

  HostTensor nan_out = HostTensor::from_floats(Dtype::f32, {4}, {NAN, INFINITY, NAN, 2});
  c = compare_tensors("o", nan_out, ref, {});
  REQUIRE(c);
  CHECK(!c->passed);
  CHECK(c->num_mismatched == 1);
  CHECK(std::isinf(c->max_abs_error));
  CHECK(c->worst_index == std::vector<int64_t>{2});
  CHECK(printed(*c).find("worst=[2] (got nan, expected 1)") != std::string::npos);

  HostTensor neg_inf = HostTensor::from_floats(Dtype::f32, {4}, {NAN, -INFINITY, 1, 2});
  c = compare_tensors("o", neg_inf, ref, {});
  REQUIRE(c);
  CHECK(!c->passed);
  CHECK(c->worst_index == std::vector<int64_t>{1});
}

TEST_CASE("compare: dtypes, shapes and pairing outputs") {
  HostTensor ref = HostTensor::from_floats(Dtype::f32, {3}, {1, 2, 3.001f});
  HostTensor bf = HostTensor::from_floats(Dtype::bf16, {3}, {1, 2, 3.001f}); // 3.001 -> 3.0
  auto c = compare_tensors("o", bf, ref, {2e-2, 2e-2});
  REQUIRE(c);
  CHECK(c->passed);
  CHECK(c->max_abs_error > 0);

  auto bad = compare_tensors("o", HostTensor(Dtype::f32, {1, 3}), ref, {});
  REQUIRE(!bad);
  CHECK(llvm::toString(bad.takeError()) == "output 'o': kernel produced shape [1,3], reference has shape [3]");

  // A single output pairs with the reference's whatever its name.
  auto one = compare_outputs({{"result", ref}}, {{"out", ref}}, {});
  REQUIRE(one);
  REQUIRE(one->size() == 1);
  CHECK((*one)[0].name == "result");
  CHECK(all_passed(*one));
  // Several outputs pair by name.
  HostTensor off = ref;
  off.set_f32(0, 5);
  auto two = compare_outputs({{"a", ref}, {"b", off}}, {{"a", ref}, {"b", ref}}, {});
  REQUIRE(two);
  CHECK((*two)[0].passed);
  CHECK(!(*two)[1].passed);
  CHECK(!all_passed(*two));
  auto missing = compare_outputs({{"a", ref}, {"c", ref}}, {{"a", ref}, {"b", ref}}, {});
  REQUIRE(!missing);
  CHECK(llvm::toString(missing.takeError()) ==
        "the reference produces output 'b' but the kernel has no output of that name (kernel outputs: a, c)");
}

TEST_CASE("compare: parsing --check=ATOL,RTOL") {
  auto t = parse_tolerance("1e-4,2e-3");
  REQUIRE(t);
  CHECK(t->atol == 1e-4);
  CHECK(t->rtol == 2e-3);
  auto z = parse_tolerance(" 0 , 0.5 ");
  REQUIRE(z);
  CHECK(z->rtol == 0.5);
  for (const char *bad : {"", "1e-4", "1e-4,", ",1", "a,b", "1,-1", "1,2,3", "inf,1"}) {
    auto r = parse_tolerance(bad);
    INFO(bad);
    REQUIRE(!r);
    CHECK(llvm::toString(r.takeError()).find("invalid tolerance") == 0);
  }
}
