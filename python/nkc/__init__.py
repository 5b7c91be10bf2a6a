"""nkc: compile NeuronCore tile kernels and simulate them on NumPy arrays.

The same compiler and simulator as the `nkc` and `nksim` tools, in-process:

    import numpy as np, nkc
    prog = nkc.compile("kernels/decode_attention_gqa.tile", sizes={"s": 2048})
    run = prog.run({"q": q, "k": k, "v": v})          # NumPy arrays in
    out = run.outputs["out"]                           # NumPy arrays out
    print(run.stats["total_ns"], run.stats["streams"]) # what --stats-json holds
    print(nkc.compare(out, my_numpy_reference(q, k, v)))

Errors are exceptions: nkc.CompileError (the compiler's diagnostics, with
file, line and column), nkc.SimulationError (a race, a deadlock, an
uninitialised read under strict=True, ...), both nkc.Error. See
docs/python.md.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import _nkc

Error = _nkc.Error
CompileError = _nkc.CompileError
SimulationError = _nkc.SimulationError

__all__ = ["compile", "compile_source", "load", "Program", "Run", "Comparison", "compare", "pass_names",
           "Error", "CompileError", "SimulationError"]

_LOCATION = re.compile(r"^(?P<file>[^\n:]+):(?P<line>\d+):(?P<col>\d+): error: ", re.M)


def _locate(err: Error) -> Error:
    """Adds .file/.line/.column (of the first error) to a CompileError."""
    m = _LOCATION.search(str(err))
    err.file = m.group("file") if m else None
    err.line = int(m.group("line")) if m else None
    err.column = int(m.group("col")) if m else None
    return err


# NumPy dtype each kernel dtype is exchanged as (bf16 as its uint16 bits,
# fp8 as its uint8 bits; tf32 as float32, rounded to tf32 on the way in).
_NUMPY = {"f32": np.float32, "f16": np.float16, "i32": np.int32, "u8": np.uint8, "bf16": np.uint16,
          "f8e4m3": np.uint8, "f8e5m2": np.uint8, "i8": np.int8, "i16": np.int16, "u16": np.uint16,
          "u32": np.uint32, "tf32": np.float32}
# ml_dtypes' names of the narrow float types that NumPy lacks.
_ML_DTYPES = {"bf16": "bfloat16", "f8e4m3": "float8_e4m3", "f8e5m2": "float8_e5m2"}


@dataclass
class Comparison:
    """One output compared with an expected array, as `nksim --check` prints it."""
    name: str
    passed: bool
    num_elements: int
    num_mismatched: int
    max_abs_error: float
    max_rel_error: float
    worst_index: Tuple[int, ...]
    worst_actual: float
    worst_expected: float
    atol: float
    rtol: float
    line: str = field(repr=False)

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return self.line.rstrip("\n")


def compare(actual: np.ndarray, expected: np.ndarray, atol: float = 1e-5, rtol: float = 1e-5,
            name: str = "out") -> Comparison:
    """Compares `actual` with `expected` by NumPy's allclose rule
    (|a - e| <= atol + rtol*|e|; NaN matches NaN, equal infinities match), in
    float32, and reports what `nksim run --check` reports."""
    a = np.asarray(actual)
    e = np.asarray(expected)
    if a.shape != e.shape:
        raise Error(f"output '{name}': shape {a.shape}, expected {e.shape}")
    return Comparison(**_nkc.compare(a, e, float(atol), float(rtol), name))


@dataclass
class Run:
    """The result of Program.run."""
    outputs: Dict[str, np.ndarray]
    stats: Dict[str, Any]
    warnings: List[str]
    trace_json: Optional[str] = field(default=None, repr=False)
    check_lines: Optional[List[str]] = None
    check_passed: Optional[bool] = None
    # The host's wall seconds for "verify", "validate" and "simulate" (what
    # nksim --time-report prints; not simulated time).
    host_seconds: Dict[str, float] = field(default_factory=dict)

    def write_trace(self, path: str) -> None:
        """Writes the Chrome/Perfetto trace (run with trace=True); open it at https://ui.perfetto.dev."""
        if self.trace_json is None:
            raise Error("no trace: run with trace=True")
        with open(path, "w") as f:
            f.write(self.trace_json)


class Program:
    """A compiled program: inspect it, run it on NumPy arrays."""

    def __init__(self, native: "_nkc.Program"):
        self._p = native

    @property
    def kernel(self) -> str:
        return self._p.kernel

    @property
    def target(self) -> str:
        return self._p.target

    @property
    def isa(self) -> str:
        """The program as text assembly (what `nkc --emit=isa` prints)."""
        return self._p.isa

    @property
    def dumps(self) -> str:
        """What print_after/print_before asked the compiler to print."""
        return self._p.dumps

    @property
    def num_instructions(self) -> int:
        return self._p.num_instructions

    @property
    def inputs(self) -> Dict[str, Tuple[str, Tuple[int, ...]]]:
        """Input tensors: name -> (dtype, shape)."""
        return {t["name"]: (t["dtype"], tuple(t["shape"])) for t in self._p.tensors if t["kind"] == "input"}

    @property
    def outputs(self) -> Dict[str, Tuple[str, Tuple[int, ...]]]:
        return {t["name"]: (t["dtype"], tuple(t["shape"])) for t in self._p.tensors if t["kind"] == "output"}

    def save(self, path: str) -> None:
        """Writes the binary program file (what `nkc compile -o` writes)."""
        with open(path, "wb") as f:
            f.write(self._p.encoded())

    def _convert(self, name: str, array: Any) -> np.ndarray:
        if name not in self.inputs:
            raise Error(f"the kernel has no input named '{name}' (inputs: {', '.join(self.inputs)})")
        dtype, _ = self.inputs[name]
        a = np.asarray(array)
        if dtype in _ML_DTYPES:
            bits = _NUMPY[dtype]
            if a.dtype == bits:  # raw bit patterns
                return np.ascontiguousarray(a)
            if a.dtype.name == _ML_DTYPES[dtype] and a.dtype.itemsize == np.dtype(bits).itemsize:  # ml_dtypes
                return np.ascontiguousarray(a).view(bits)
            if a.dtype.kind == "f":  # rounded to nearest even, as the hardware's conversion
                return _nkc.narrow_float_bits(np.ascontiguousarray(a, dtype=np.float32), dtype)
            raise Error(f"input '{name}' is {dtype}: give float values, ml_dtypes.{_ML_DTYPES[dtype]}, or "
                        f"{np.dtype(bits).name} bit patterns, not {a.dtype}")
        want = _NUMPY[dtype]
        if a.dtype != want and not (np.can_cast(a.dtype, want, casting="same_kind")):
            raise Error(f"input '{name}' is {dtype}: cannot take {a.dtype} values")
        return np.ascontiguousarray(a, dtype=want)  # no copy when already right

    def run(self, inputs: Optional[Mapping[str, Any]] = None, *, random_seed: Optional[int] = None,
            random_scale: float = 1.0, random_dist: str = "normal", strict: bool = False, race_check: bool = True,
            timing_only: bool = False, trace: bool = False, check: bool = False,
            tolerance: Optional[Tuple[float, float]] = None, threads: int = 0) -> Run:
        """Simulates the program.

        inputs: name -> array. Inputs not given are filled with nksim's
        deterministic random data when random_seed is set (random_scale and
        random_dist as --random-scale/--random-dist). Outputs come back as
        NumPy arrays (bf16 and fp8 widened exactly to float32). strict=True makes a
        read of never-written SBUF/PSUM an error; race_check=False skips race
        detection; timing_only computes no values (no outputs); trace=True
        keeps a Perfetto trace; check=True compares with the kernel's
        registered reference as `nksim --check` does (tolerance: (atol,
        rtol) to override). threads as nksim --threads: 0 (the default) uses
        a second host thread when there is a second processor; the outputs
        are the same bytes for any value."""
        if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or threads < 0:
            raise Error(f"threads must be a non-negative integer, not {threads!r}")
        converted = {k: self._convert(k, v) for k, v in (inputs or {}).items()}
        r = self._p.run(converted, random_seed, float(random_scale), random_dist, strict, race_check, timing_only,
                        trace, check, tuple(tolerance) if tolerance is not None else None, int(threads))
        return Run(outputs=dict(r["outputs"]), stats=json.loads(r["stats_json"]), warnings=list(r["warnings"]),
                   host_seconds=dict(r["host_seconds"]),
                   trace_json=r.get("trace_json"), check_lines=r.get("check_lines"),
                   check_passed=r.get("check_passed"))


def _sizes(sizes: Optional[Mapping[str, int]]) -> Dict[str, int]:
    out = {}
    for k, v in (sizes or {}).items():
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise Error(f"size '{k}' must be an integer, not {v!r}")
        out[str(k)] = int(v)
    return out


def compile(path: str, sizes: Optional[Mapping[str, int]] = None, *, target: str = "trn2",
            schedule: str = "list", print_after: Sequence[str] = (), print_before: Sequence[str] = ()) -> Program:
    """Compiles a .tile file (as `nkc compile`); sizes bind size parameters
    (-D name=value); schedule="in-order" keeps the source's order;
    print_after/print_before name passes whose output goes to Program.dumps."""
    if schedule not in ("list", "in-order"):
        raise Error(f"schedule must be 'list' or 'in-order', not '{schedule}'")
    try:
        return Program(_nkc.compile(str(path), None, str(path), _sizes(sizes), target, schedule == "in-order",
                                    list(print_after), list(print_before)))
    except CompileError as e:
        raise _locate(e)


def compile_source(source: str, sizes: Optional[Mapping[str, int]] = None, *, name: str = "<source>.tile",
                   target: str = "trn2", schedule: str = "list", print_after: Sequence[str] = (),
                   print_before: Sequence[str] = ()) -> Program:
    """Compiles .tile source text; `name` is the file name diagnostics show."""
    if schedule not in ("list", "in-order"):
        raise Error(f"schedule must be 'list' or 'in-order', not '{schedule}'")
    try:
        return Program(_nkc.compile(None, source, name, _sizes(sizes), target, schedule == "in-order",
                                    list(print_after), list(print_before)))
    except CompileError as e:
        raise _locate(e)


def load(path: str) -> Program:
    """Loads a compiled program: a binary program file or text assembly."""
    return Program(_nkc.load(str(path)))


def pass_names() -> List[str]:
    """The compiler's passes, in pipeline order (for print_after/print_before)."""
    return list(_nkc.pass_names())
