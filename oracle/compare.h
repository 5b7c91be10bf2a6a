// Comparing a kernel's outputs with the oracle's: the numbers `nksim run
// --check` prints and its PASS/FAIL verdict.
//
// Rule (NumPy's allclose, with the reference as `b`): an element passes when
// |actual - expected| <= atol + rtol * |expected|. Both tensors are compared
// as fp32 values whatever their dtypes. NaN: an element passes when both are
// NaN (allclose's equal_nan=True: a kernel reproducing the reference's NaN
// is correct) and fails when only one is; equal infinities pass, any other
// infinity fails. A failing non-finite element counts as an infinite error.
#pragma once

#include "runtime/host_tensor.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <string>
#include <vector>

namespace nk::oracle {

struct Tolerance {
  double atol = 1e-5;
  double rtol = 1e-5;
};

struct Comparison {
  std::string name; // the output tensor's name
  uint64_t num_elements = 0;
  uint64_t num_mismatched = 0; // elements failing the rule
  double max_abs_error = 0;    // max |actual - expected|
  // max |actual - expected| / |expected| over expected != 0; infinite when
  // an element with expected == 0 (or a non-finite one) fails.
  double max_rel_error = 0;
  // The element farthest from passing: the largest
  // |actual - expected| / (atol + rtol*|expected|); empty when no elements.
  std::vector<int64_t> worst_index;
  float worst_actual = 0, worst_expected = 0;
  Tolerance tolerance;
  bool passed = true;
};

// Errors (not a FAIL) when the shapes differ: the name, both shapes.
llvm::Expected<Comparison> compare_tensors(llvm::StringRef name, const HostTensor &actual, const HostTensor &expected,
                                           Tolerance tol);

// Pairs each expected tensor with the actual one of the same name; when
// both maps have exactly one tensor they are paired whatever their names
// (the kernel's output name is the kernel author's choice).
llvm::Expected<std::vector<Comparison>> compare_outputs(const std::map<std::string, HostTensor> &actual,
                                                        const std::map<std::string, HostTensor> &expected,
                                                        Tolerance tol);

// Parses the value of `--check=ATOL,RTOL` ("1e-4,1e-3"): two finite,
// non-negative numbers separated by a comma.
llvm::Expected<Tolerance> parse_tolerance(llvm::StringRef text);

// One line per comparison, e.g.
//   check out: PASS max_abs_err=1.192e-07 max_rel_err=2.384e-07 worst=[0,17] (got 0.5000001, expected 0.5) atol=1e-05
//   rtol=1e-05
// and, on failure, "  12 of 64 elements exceed atol + rtol*|expected|".
void print_comparison(llvm::raw_ostream &os, const Comparison &c);
// True when every comparison passed.
bool all_passed(const std::vector<Comparison> &cs);

} // namespace nk::oracle
