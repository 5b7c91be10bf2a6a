// _nkc: the Python extension behind the `nkc` package (python/nkc/__init__.py
// is the documented API; this file is the thin layer over the libraries).
//
// Assumes: arrays handed in are C-contiguous with the itemsize of the
// program tensor's dtype (the Python layer converts: bf16 arrives as its
// uint16 bit patterns, fp8 as its uint8 bit patterns).
// Guarantees: one copy of each input (into the simulated HBM) and of each
// output (out of it, into an array that owns it); every llvm::Error becomes
// nkc.CompileError or nkc.SimulationError (both nkc.Error) carrying the
// tools' message, clang-style with FILE:LINE:COL for source errors.
#include "compiler/pipeline.h"
#include "oracle/compare.h"
#include "oracle/kernel_reference.h"
#include "runtime/asm_printer.h"
#include "runtime/dtype.h"
#include "runtime/program_file.h"
#include "simulator/background_fill.h"
#include "simulator/session.h"

#include "llvm/Support/raw_ostream.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>
#include <stdexcept>

namespace py = pybind11;
using namespace nk;

namespace {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct CompileError : Error {
  using Error::Error;
};
struct SimulationError : Error {
  using Error::Error;
};

template <typename E>
[[noreturn]] void raise(llvm::Error err, const std::string &prefix = "") {
  std::string msg = prefix + llvm::toString(std::move(err));
  while (!msg.empty() && msg.back() == '\n') msg.pop_back();
  throw E(msg);
}

const char *numpy_name(Dtype t) {
  switch (t) {
  case Dtype::f32: return "float32";
  case Dtype::f16: return "float16";
  case Dtype::i32: return "int32";
  case Dtype::u8: return "uint8";
  case Dtype::bf16: return "uint16"; // bit patterns
  case Dtype::f8e4m3:
  case Dtype::f8e5m2: return "uint8"; // bit patterns
  case Dtype::i8: return "int8";
  case Dtype::i16: return "int16";
  case Dtype::u16: return "uint16";
  case Dtype::u32: return "uint32";
  case Dtype::tf32: return "float32"; // tf32 is stored as the fp32 it equals
  }
  return "?";
}

py::array to_numpy(HostTensor t) {
  // bf16 and fp8 widen exactly to float32; everything else keeps its dtype.
  // The array owns the bytes through a capsule: no second copy.
  if (t.dtype == Dtype::bf16 || dtype_is_fp8(t.dtype)) {
    HostTensor f(Dtype::f32, t.shape);
    for (uint64_t i = 0, n = t.num_elements(); i < n; ++i) f.set_f32(i, t.get_f32(i));
    t = std::move(f);
  }
  auto *owner = new std::vector<uint8_t>(std::move(t.data));
  py::capsule free_when_done(owner, [](void *p) { delete static_cast<std::vector<uint8_t> *>(p); });
  std::vector<py::ssize_t> shape(t.shape.begin(), t.shape.end());
  return py::array(py::dtype(numpy_name(t.dtype)), shape, {}, owner->data(), free_when_done);
}

// The array's own bytes as input `decl` (checked: C order, item size,
// shape): bound without a copy of its own, so each input is copied once,
// into the HBM image.
HostTensorRef numpy_view(const TensorDecl &decl, const py::array &a) {
  if (!(a.flags() & py::array::c_style)) throw Error("input '" + decl.name + "': the array must be C-contiguous");
  if (size_t(a.itemsize()) != dtype_size(decl.dtype))
    throw Error("input '" + decl.name + "': expected " + std::string(dtype_name(decl.dtype)) + " data (" +
                numpy_name(decl.dtype) + "), got items of " + std::to_string(a.itemsize()) + " bytes");
  std::vector<int64_t> shape(a.shape(), a.shape() + a.ndim());
  if (shape != decl.shape)
    throw Error("input '" + decl.name + "': shape " + format_shape(shape) + ", the kernel expects " +
                format_shape(decl.shape));
  return HostTensorRef(decl.dtype, std::move(shape), static_cast<const uint8_t *>(a.data()), uint64_t(a.nbytes()));
}

// float32 data for a tf32 input, rounded to tf32 as the tensor stores it.
HostTensor tf32_from_numpy(const TensorDecl &decl, const py::array &a) {
  const HostTensorRef view = numpy_view(decl, a);
  HostTensor t(decl.dtype, view.shape);
  std::memcpy(t.data.data(), view.data, t.data.size());
  for (uint64_t i = 0, n = t.num_elements(); i < n; ++i) t.set_f32(i, t.get_f32(i));
  return t;
}

struct CompiledProgram {
  Program program;
  std::string dumps; // --print-after/--print-before output

  std::string isa() const {
    std::string s;
    llvm::raw_string_ostream os(s);
    print_program(os, program);
    return os.str();
  }
  py::bytes encoded() const { return py::bytes(encode_program(program)); }
  std::vector<py::dict> tensors() const {
    std::vector<py::dict> out;
    for (const TensorDecl &d : program.tensors) {
      py::dict e;
      e["name"] = d.name;
      e["dtype"] = std::string(dtype_name(d.dtype));
      e["shape"] = py::tuple(py::cast(d.shape));
      e["kind"] = d.kind == TensorKind::input ? "input" : d.kind == TensorKind::output ? "output" : "scratch";
      out.push_back(e);
    }
    return out;
  }

  // Runs the program. `inputs`: name -> array (already of the right dtype);
  // inputs not given are random when random_seed is set.
  py::dict run(const std::map<std::string, py::array> &inputs, std::optional<uint64_t> random_seed, double random_scale,
               const std::string &random_dist, bool strict, bool race_check, bool timing_only, bool trace, bool check,
               std::optional<std::pair<double, double>> tolerance, unsigned threads) const {
    auto session = Session::from_program(program);
    if (!session) raise<SimulationError>(session.takeError());
    for (const auto &[name, array] : inputs) {
      const TensorDecl *d = program.find_tensor(name);
      if (!d || d->kind != TensorKind::input) throw Error("the kernel has no input named '" + name + "'");
      llvm::Error e = d->dtype == Dtype::tf32 ? session->bind(name, tf32_from_numpy(*d, array))
                                              : session->bind(name, numpy_view(*d, array));
      if (e) raise<Error>(std::move(e));
    }
    const oracle::KernelReference *ref = oracle::find_reference(program.kernel);
    if (random_seed || timing_only) {
      auto dist = parse_random_dist(random_dist);
      if (!dist) throw Error("random_dist must be 'normal' or 'uniform', not '" + random_dist + "'");
      // Indices and lengths the reference draws valid (nksim --random-inputs does the same).
      if (ref)
        for (const auto &[name, t] :
             oracle::generated_inputs(*ref, program.tensors, session->bound_inputs(), random_seed.value_or(1)))
          if (llvm::Error e = session->bind(name, t)) raise<Error>(std::move(e));
      session->bind_random(random_seed.value_or(1), random_scale, *dist,
                           ref ? ref->random_input_scale : std::map<std::string, double>{});
    }
    if (llvm::Error e = check_all_inputs_bound(session->program(), session->bound_inputs()))
      throw Error(llvm::toString(std::move(e)) + "; give them in inputs, or set random_seed for random data");
    if (ref && ref->validate_inputs) { // bad indices: the reference's error, before the run
      oracle::TensorMap ints;
      for (const TensorDecl &d : program.tensors)
        if (d.kind == TensorKind::input && !dtype_is_float(d.dtype)) {
          auto t = session->output(d.name);
          if (!t) raise<Error>(t.takeError());
          ints[d.name] = std::move(*t);
        }
      if (llvm::Error e = ref->validate_inputs(oracle::input_decls(program.tensors), ints)) raise<Error>(std::move(e));
    }
    if (check && !ref)
      throw Error("check: no reference is registered for kernel '" + program.kernel +
                  "'; compare the outputs with your own NumPy result using nkc.compare");
    // The reference streams the inputs from the session after the run (as
    // nksim --check does: no copy of them, on the run's threads) unless the
    // program may write an input's bytes; then they are copied first.
    bool stream = check && ref->streams_inputs();
    if (stream)
      for (const std::string &name : session->bound_inputs()) stream &= !session->writes_input(name);
    std::map<std::string, HostTensor> bound;
    if (check && !stream) bound = session->inputs();
    SimOptions opts;
    opts.strict = strict;
    opts.check_races = race_check;
    opts.timing_only = timing_only;
    opts.threads = threads ? threads : default_threads();
    SimTrace tr;
    auto stats = [&] {
      py::gil_scoped_release release; // simulation does not touch Python objects
      return session->run(opts, trace ? &tr : nullptr, /*verify=*/true);
    }();
    if (!stats) raise<SimulationError>(stats.takeError());
    py::dict result;
    std::string js;
    {
      llvm::raw_string_ostream os(js);
      write_stats_json(os, program, *stats);
    }
    result["stats_json"] = js;
    py::dict host; // wall seconds by phase (not in the stats: they vary run to run)
    host["verify"] = stats->host.verify_s;
    host["validate"] = stats->host.validate_s;
    host["simulate"] = stats->host.simulate_s;
    result["host_seconds"] = host;
    py::list warnings;
    for (const SimWarning &w : stats->warnings) warnings.append(w.message);
    result["warnings"] = warnings;
    if (trace) {
      std::string t;
      llvm::raw_string_ostream os(t);
      write_trace_json(os, program, *stats, tr);
      result["trace_json"] = os.str();
    }
    py::dict outs;
    if (!timing_only)
      for (const TensorDecl &d : program.tensors)
        if (d.kind == TensorKind::output) {
          auto t = session->output(d.name);
          if (!t) raise<SimulationError>(t.takeError());
          outs[py::str(d.name)] = to_numpy(std::move(*t));
        }
    result["outputs"] = outs;
    if (check) {
      std::vector<Dtype> input_dtypes;
      for (const std::string &name : session->bound_inputs())
        input_dtypes.push_back(session->program().find_tensor(name)->dtype);
      auto expected = [&] {
        py::gil_scoped_release release; // the reference does not touch Python objects
        if (!stream) return ref->run(bound);
        const Session &s = *session;
        const std::vector<std::string> names(s.bound_inputs().begin(), s.bound_inputs().end());
        auto views = oracle::views_of(s.program().tensors, names,
                                      [&s](const std::string &name, uint64_t first, uint64_t n, float *out) {
                                        cantFail(s.read_input_f32(name, first, n, out));
                                      });
        return ref->run(views, opts.threads);
      }();
      if (!expected) raise<Error>(expected.takeError());
      auto actual = session->outputs();
      if (!actual) raise<SimulationError>(actual.takeError());
      oracle::Tolerance tol = ref->tolerance_for(input_dtypes, *actual, *expected);
      if (tolerance) tol = oracle::Tolerance{tolerance->first, tolerance->second};
      auto cmp = oracle::compare_outputs(*actual, *expected, tol);
      if (!cmp) raise<Error>(cmp.takeError());
      py::list lines;
      for (const auto &c : *cmp) {
        std::string s;
        llvm::raw_string_ostream os(s);
        oracle::print_comparison(os, c);
        lines.append(os.str());
      }
      result["check_lines"] = lines;
      result["check_passed"] = oracle::all_passed(*cmp);
    }
    return result;
  }
};

CompiledProgram compile(std::optional<std::string> path, std::optional<std::string> source, const std::string &name,
                        const std::map<std::string, int64_t> &sizes, const std::string &target_name, bool in_order,
                        const std::vector<std::string> &print_after, const std::vector<std::string> &print_before) {
  const Target *t = find_target(target_name);
  if (!t) throw Error("unknown target '" + target_name + "' (known: trn1, trn2)");
  CompiledProgram out;
  llvm::raw_string_ostream dumps(out.dumps);
  PipelineOptions opts;
  opts.print_after = print_after;
  opts.print_before = print_before;
  opts.dump = &dumps;
  if (in_order) {
    opts.schedule_window = 1;
    opts.interleave = false;
  }
  std::string diags;
  llvm::raw_string_ostream ds(diags);
  auto p = [&] {
    py::gil_scoped_release release;
    return path ? compile_tile_file(*path, sizes, *t, opts, ds)
                : compile_tile_source(*source, name, sizes, *t, opts, ds);
  }();
  if (!p) {
    std::string msg = llvm::toString(p.takeError());
    throw CompileError(ds.str().empty() ? msg : ds.str());
  }
  out.program = std::move(*p);
  dumps.flush();
  return out;
}

CompiledProgram load(const std::string &path) {
  auto p = load_program_file(path);
  if (!p) raise<Error>(p.takeError());
  return CompiledProgram{std::move(*p), ""};
}

// Float values rounded to a narrow float dtype (bf16, f16 or fp8), as the
// bit patterns the simulator stores: uint16 for 2-byte types, uint8 for fp8.
py::array narrow_float_bits(const py::array_t<float, py::array::c_style | py::array::forcecast> &a,
                            const std::string &dtype) {
  auto t = parse_dtype(dtype);
  if (!t || !dtype_is_float(*t) || dtype_size(*t) > 2)
    throw Error("narrow_float_bits: not a narrow float dtype: " + dtype);
  const unsigned esz = dtype_size(*t);
  py::array out(py::dtype(esz == 1 ? "uint8" : "uint16"), std::vector<py::ssize_t>(a.shape(), a.shape() + a.ndim()));
  const float *src = a.data();
  uint8_t *dst = static_cast<uint8_t *>(out.mutable_data());
  for (py::ssize_t i = 0; i < a.size(); ++i) store_from_f32(*t, dst + i * esz, src[i]);
  return out;
}

py::dict compare(const py::array_t<float, py::array::c_style | py::array::forcecast> &actual,
                 const py::array_t<float, py::array::c_style | py::array::forcecast> &expected, double atol,
                 double rtol, const std::string &name) {
  auto host = [](const py::array_t<float, py::array::c_style | py::array::forcecast> &a) {
    HostTensor t(Dtype::f32, std::vector<int64_t>(a.shape(), a.shape() + a.ndim()));
    std::memcpy(t.data.data(), a.data(), t.data.size());
    return t;
  };
  auto c = oracle::compare_tensors(name, host(actual), host(expected), oracle::Tolerance{atol, rtol});
  if (!c) raise<Error>(c.takeError());
  py::dict d;
  d["name"] = c->name;
  d["passed"] = c->passed;
  d["num_elements"] = c->num_elements;
  d["num_mismatched"] = c->num_mismatched;
  d["max_abs_error"] = c->max_abs_error;
  d["max_rel_error"] = c->max_rel_error;
  d["worst_index"] = py::tuple(py::cast(c->worst_index));
  d["worst_actual"] = c->worst_actual;
  d["worst_expected"] = c->worst_expected;
  d["atol"] = atol;
  d["rtol"] = rtol;
  std::string s;
  llvm::raw_string_ostream os(s);
  oracle::print_comparison(os, *c);
  d["line"] = os.str();
  return d;
}

} // namespace

PYBIND11_MODULE(_nkc, m) {
  m.doc() = "nkc/nksim in-process: compile .tile kernels and simulate them on NumPy arrays (see nkc/__init__.py)";
  static py::exception<Error> error(m, "Error", PyExc_RuntimeError);
  static py::exception<CompileError> compile_error(m, "CompileError", error.ptr());
  static py::exception<SimulationError> simulation_error(m, "SimulationError", error.ptr());
  py::register_exception_translator(
      [](std::exception_ptr p) { // NOLINT(performance-unnecessary-value-param): pybind11 fixes the signature
        try {
          if (p) std::rethrow_exception(p);
        } catch (const CompileError &e) {
          compile_error(e.what());
        } catch (const SimulationError &e) {
          simulation_error(e.what());
        } catch (const Error &e) {
          error(e.what());
        }
      });

  py::class_<CompiledProgram>(m, "Program")
      .def_property_readonly("kernel", [](const CompiledProgram &p) { return p.program.kernel; })
      .def_property_readonly("target", [](const CompiledProgram &p) { return p.program.target; })
      .def_property_readonly("isa", &CompiledProgram::isa)
      .def_property_readonly("dumps", [](const CompiledProgram &p) { return p.dumps; })
      .def_property_readonly("tensors", &CompiledProgram::tensors)
      .def_property_readonly("num_instructions", [](const CompiledProgram &p) { return p.program.num_instructions(); })
      .def("encoded", &CompiledProgram::encoded)
      .def("run", &CompiledProgram::run, py::arg("inputs"), py::arg("random_seed"), py::arg("random_scale"),
           py::arg("random_dist"), py::arg("strict"), py::arg("race_check"), py::arg("timing_only"), py::arg("trace"),
           py::arg("check"), py::arg("tolerance"), py::arg("threads"));
  m.def("compile", &compile, py::arg("path"), py::arg("source"), py::arg("name"), py::arg("sizes"), py::arg("target"),
        py::arg("in_order"), py::arg("print_after"), py::arg("print_before"));
  m.def("load", &load, py::arg("path"));
  m.def("narrow_float_bits", &narrow_float_bits, py::arg("array"), py::arg("dtype"));
  m.def("compare", &compare, py::arg("actual"), py::arg("expected"), py::arg("atol"), py::arg("rtol"), py::arg("name"));
  m.def("pass_names", &pipeline_pass_names);
}
