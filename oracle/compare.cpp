// Output comparison and its printer (see compare.h).
#include "oracle/compare.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

namespace nk::oracle {
namespace {

std::vector<int64_t> unflatten(uint64_t flat, const std::vector<int64_t> &shape) {
  std::vector<int64_t> idx(shape.size(), 0);
  for (int64_t ax = int64_t(shape.size()) - 1; ax >= 0; --ax) {
    uint64_t d = uint64_t(shape[size_t(ax)]);
    idx[size_t(ax)] = int64_t(flat % d);
    flat /= d;
  }
  return idx;
}

} // namespace

llvm::Expected<Comparison> compare_tensors(llvm::StringRef name, const HostTensor &actual, const HostTensor &expected,
                                           Tolerance tol) {
  if (actual.shape != expected.shape)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "output '%s': kernel produced shape %s, reference has shape %s", name.str().c_str(),
                                   format_shape(actual.shape).c_str(), format_shape(expected.shape).c_str());
  Comparison c;
  c.name = name.str();
  c.tolerance = tol;
  c.num_elements = expected.num_elements();
  constexpr double inf = std::numeric_limits<double>::infinity();
  double worst_score = -1;
  for (uint64_t i = 0; i < c.num_elements; ++i) {
    double a = actual.get_f32(i), e = expected.get_f32(i);
    double err, limit = tol.atol + tol.rtol * std::fabs(e);
    bool ok;
    if (std::isnan(a) || std::isnan(e)) {
      ok = std::isnan(a) && std::isnan(e);
      err = ok ? 0 : inf;
    } else if (std::isinf(a) || std::isinf(e)) {
      ok = a == e;
      err = ok ? 0 : inf;
    } else {
      err = std::fabs(a - e);
      ok = err <= limit;
    }
    if (!ok) ++c.num_mismatched;
    c.max_abs_error = std::max(c.max_abs_error, err);
    if (e != 0 && !std::isnan(e))
      c.max_rel_error = std::max(c.max_rel_error, err / std::fabs(e));
    else if (!ok)
      c.max_rel_error = inf;
    double score = err == inf ? inf : (limit > 0 ? err / limit : (err > 0 ? inf : 0));
    if (score > worst_score) {
      worst_score = score;
      c.worst_index = unflatten(i, expected.shape);
      c.worst_actual = float(a);
      c.worst_expected = float(e);
    }
  }
  c.passed = c.num_mismatched == 0;
  return c;
}

llvm::Expected<std::vector<Comparison>> compare_outputs(const std::map<std::string, HostTensor> &actual,
                                                        const std::map<std::string, HostTensor> &expected,
                                                        Tolerance tol) {
  std::vector<Comparison> out;
  if (actual.size() == 1 && expected.size() == 1) {
    auto c = compare_tensors(actual.begin()->first, actual.begin()->second, expected.begin()->second, tol);
    if (!c) return c.takeError();
    out.push_back(std::move(*c));
    return out;
  }
  for (const auto &[name, exp] : expected) {
    auto it = actual.find(name);
    if (it == actual.end()) {
      std::string have;
      for (const auto &kv : actual) have += (have.empty() ? "" : ", ") + kv.first;
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "the reference produces output '%s' but the kernel has no output of "
                                     "that name (kernel outputs: %s)",
                                     name.c_str(), have.empty() ? "none" : have.c_str());
    }
    auto c = compare_tensors(name, it->second, exp, tol);
    if (!c) return c.takeError();
    out.push_back(std::move(*c));
  }
  return out;
}

llvm::Expected<Tolerance> parse_tolerance(llvm::StringRef text) {
  auto bad = [&](const char *why) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "invalid tolerance '%s': %s (expected ATOL,RTOL, e.g. 1e-5,1e-5)",
                                   text.str().c_str(), why);
  };
  auto [a, r] = text.split(',');
  if (r.empty() && !text.contains(',')) return bad("missing ','");
  Tolerance tol;
  for (auto [part, out] : {std::pair{a.trim(), &tol.atol}, std::pair{r.trim(), &tol.rtol}}) {
    if (part.empty() || part.getAsDouble(*out) || !std::isfinite(*out)) return bad("not a number");
    if (*out < 0) return bad("negative");
  }
  return tol;
}

void print_comparison(llvm::raw_ostream &os, const Comparison &c) {
  std::string idx = "[";
  for (size_t i = 0; i < c.worst_index.size(); ++i) idx += (i ? "," : "") + std::to_string(c.worst_index[i]);
  idx += "]";
  os << fmt::format("check {}: {} max_abs_err={:.4g} max_rel_err={:.4g}", c.name, c.passed ? "PASS" : "FAIL",
                    c.max_abs_error, c.max_rel_error);
  if (c.num_elements > 0) os << fmt::format(" worst={} (got {}, expected {})", idx, c.worst_actual, c.worst_expected);
  os << fmt::format(" atol={:g} rtol={:g}\n", c.tolerance.atol, c.tolerance.rtol);
  if (!c.passed)
    os << fmt::format("  {} of {} elements exceed atol + rtol*|expected|\n", c.num_mismatched, c.num_elements);
}

bool all_passed(const std::vector<Comparison> &cs) {
  for (const Comparison &c : cs)
    if (!c.passed) return false;
  return true;
}

} // namespace nk::oracle
