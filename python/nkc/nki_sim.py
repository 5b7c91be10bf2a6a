"""nkc.nki_sim: run NKI kernels (`@nki.jit` functions written against
nki.language / nki.isa) through nkc's pipeline and nksim, on NumPy arrays.

    from nkc import nki_sim
    res = nki_sim.run(my_kernel, a, b, trace=True)   # the kernel unedited
    res.outputs[0], res.stats["total_ns"], res.write_trace("k.json")

How it works (docs/nki.md): the kernel function is called once with symbolic
HBM tensors whose shapes and dtypes are the arrays'. Every nki.language /
nki.isa call appends one statement of .tile source (docs/language.md) and
returns a symbolic tile; loops are Python ranges, unrolled as NKI 0.6
unrolls them, so indices are concrete integers and masks are resolved
while tracing. The traced .tile source is compiled by nkc (same scheduling,
allocation, verification as a .tile kernel) and simulated by nksim (timing,
race checks). Each traced line carries the Python file and line it came
from, and compile errors are reported there.

Assumes: the kernel only uses the calls this module implements; anything
else raises NkiUnsupportedError naming the Python file, line and call.
Guarantees: a traced kernel computes what its NKI calls compute under NKI's
documented semantics, or tracing/compiling fails with an error; never a
silent approximation (what differs from hardware NKI is in docs/nki.md).
"""
from __future__ import annotations

import builtins
import inspect
import itertools
import math
import os
import re
import sys
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

__all__ = ["run", "trace", "bf16", "fp8_e4m3", "fp8_e5m2", "Traced", "Result", "NkiError", "NkiUnsupportedError", "NkiTraceError"]

_PKG_DIRS: Tuple[str, ...] = ()  # filled at the end: frames in these are ours


class NkiError(Exception):
    """An error in an NKI kernel, located at the Python line that caused it
    (.file, .line; None when unknown)."""

    def __init__(self, message: str, file: Optional[str] = None, line: Optional[int] = None):
        self.file, self.line, self.bare = file, line, message
        where = f"{file}:{line}: " if file else ""
        src = ""
        if file and line:
            try:
                with open(file) as f:
                    text = f.read().splitlines()
                src = "\n    " + text[line - 1].strip()
            except (OSError, IndexError, UnicodeDecodeError):
                pass
        super().__init__(f"{where}error: {message}{src}")


class NkiUnsupportedError(NkiError):
    """The kernel calls something nki_sim does not implement."""


class NkiTraceError(NkiError):
    """The kernel does something NKI forbids (a bad shape, a missing output, ...)."""


def _user_location() -> Tuple[Optional[str], Optional[int]]:
    f = sys._getframe(1)
    while f is not None:
        fn = os.path.abspath(f.f_code.co_filename)
        if not fn.startswith(_PKG_DIRS):
            return f.f_code.co_filename, f.f_lineno
        f = f.f_back
    return None, None


def _fail(message: str, cls=NkiTraceError):
    file, line = _user_location()
    raise cls(message, file, line)


def _unsupported(what: str, why: str = ""):
    _fail(f"{what} is not supported by nki_sim" + (f": {why}" if why else "") + " (see docs/nki.md)",
          NkiUnsupportedError)


# ---------------------------------------------------------------- dtypes ---

class DType:
    """An NKI dtype (nl.float32, ...); `tile` is the .tile spelling or None."""

    def __init__(self, name: str, tile: Optional[str], numpy: Any):
        self.name, self.tile, self.numpy = name, tile, numpy

    def __repr__(self) -> str:
        return f"nki.language.{self.name}"


float32 = DType("float32", "f32", np.float32)
bfloat16 = DType("bfloat16", "bf16", None)
float16 = DType("float16", "f16", np.float16)
int32 = DType("int32", "i32", np.int32)
uint8 = DType("uint8", "u8", np.uint8)
tfloat32 = DType("tfloat32", "tf32", None)  # fp32 rounded to a 10-bit mantissa; NumPy sees float32
float8_e4m3 = DType("float8_e4m3", "f8e4m3", None)
float8_e5m2 = DType("float8_e5m2", "f8e5m2", None)
int8 = DType("int8", "i8", np.int8)
int16 = DType("int16", "i16", np.int16)
uint16 = DType("uint16", "u16", np.uint16)
uint32 = DType("uint32", "u32", np.uint32)
bool_ = DType("bool_", "u8", np.uint8)  # NKI stores bool as uint8
_DTYPES = [float32, bfloat16, float16, int32, uint8, tfloat32, float8_e4m3, float8_e5m2, int8, int16, uint16,
           uint32, bool_]
_BY_TILE = {d.tile: d for d in _DTYPES if d.tile and d is not bool_}
_ML_DTYPES = {"bfloat16": "bf16", "float8_e4m3": "f8e4m3", "float8_e5m2": "f8e5m2"}
_MODELLED = ("nkc models float32, tfloat32, bfloat16, float16, float8_e4m3, float8_e5m2, int8, int16, int32, uint8, "
             "uint16 and uint32")


def _dtype(d: Any, what: str = "dtype") -> str:
    """The .tile name of an NKI or NumPy dtype."""
    if isinstance(d, DType):
        if d.tile is None:
            _unsupported(f"{what} {d.name}", _MODELLED)
        return d.tile
    if isinstance(d, str) and d in _BY_TILE:
        return d
    if isinstance(d, str) and any(d == x.name for x in _DTYPES):
        return _dtype(globals()[d], what)
    try:
        nd = np.dtype(d)
    except TypeError:
        _fail(f"{what} {d!r} is not a dtype")
    for name, tile in _ML_DTYPES.items():  # ml_dtypes' narrow floats
        if nd.name == name:
            return tile
    for cand in _DTYPES:
        if cand.numpy is not None and nd == np.dtype(cand.numpy):
            return cand.tile
    _unsupported(f"{what} {nd.name}", _MODELLED)


_FP8 = ("f8e4m3", "f8e5m2")
_INTEGER_TILES = ("i8", "i16", "i32", "u8", "u16", "u32")
_FLOATS = ("f32", "tf32", "bf16", "f16") + _FP8
_SIZE = {"f32": 4, "tf32": 4, "bf16": 2, "f16": 2, "f8e4m3": 1, "f8e5m2": 1, "i32": 4, "u32": 4, "i16": 2, "u16": 2, "i8": 1,
         "u8": 1}


def _promote(a: str, b: str) -> str:
    """Result dtype of an elementwise op on two tiles: NKI 2.26's promotion,
    as nkc's sema applies it (runtime/dtype.h promote_dtypes)."""
    if a == b:
        return a
    if (a in _FLOATS) != (b in _FLOATS):
        return a if a in _FLOATS else b
    if a in _FLOATS:
        if "f32" in (a, b):
            return "f32"
        if "tf32" in (a, b):  # it holds bf16, f16 and fp8 exactly
            return "tf32"
        if a in _FP8 and b in _FP8:
            return "bf16"
        if a in _FP8:
            return b
        if b in _FP8:
            return a
        return "f32"  # bf16 with f16
    if a.startswith("i") == b.startswith("i"):
        return a if _SIZE[a] >= _SIZE[b] else b
    s, u = (a, b) if a.startswith("i") else (b, a)
    if _SIZE[u] < _SIZE[s]:
        return s
    return {1: "i16", 2: "i32"}.get(_SIZE[u], "f32")


# ------------------------------------------------------- memory regions ---

class _Buffer:
    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"nki.language.{self.name}"


sbuf = _Buffer("sbuf")
psum = _Buffer("psum")
hbm = _Buffer("hbm")
private_hbm = _Buffer("private_hbm")
shared_hbm = _Buffer("shared_hbm")


def _memory(buffer: Any) -> str:
    if buffer is None or buffer is sbuf:
        return "sbuf"
    if buffer is psum:
        return "psum"
    if buffer in (hbm, private_hbm, shared_hbm):
        return "hbm"
    name = getattr(buffer, "name", getattr(buffer, "value", buffer))
    if name in ("sbuf", "psum"):
        return str(name)
    if name in ("hbm", "private_hbm", "shared_hbm"):
        return "hbm"
    _fail(f"buffer={buffer!r} is not nl.sbuf, nl.psum or an HBM buffer")


class _TileSize:
    """nl.tile_size: the trn1/trn2 limits nkc's targets use (runtime/target.h)."""
    pmax = 128
    psum_fmax = 512
    psum_bank_fmax = 512
    psum_bank_fmax_bytes = 2048
    gemm_stationary_fmax = 128
    gemm_moving_fmax = 512
    bn_stats_fmax = 512
    psum_min_align = 4
    sbuf_min_align = 1


tile_size = _TileSize()


# --------------------------------------------------------------- tracing ---

_RESERVED = {"kernel", "let", "var", "for", "in", "if", "elif", "else", "requires", "and", "or", "not", "true",
             "false", "pass", "sbuf", "psum", "def", "return", "out", "inf", "isa", "f32", "bf16", "f16", "i32", "u8",
             "f8e4m3", "f8e5m2", "i8", "i16", "u16", "u32", "tf32"}


class _Trace:
    def __init__(self, kernel_name: str):
        self.kernel_name = kernel_name
        self.lines: List[List[Any]] = []  # [text, file, line, call]
        self.count = 0
        self.params: List["Tensor"] = []
        self.matmul_written: set = set()  # PSUM views a matmul already wrote (accumulate=None)
        self.cores = 1  # physical cores of the launch
        self.core = 0  # the core of the instance being traced
        self.hbm_prefix = "hbm"  # names of the HBM tensors the kernel creates: {prefix}_{k}
        self.hbm_created: List["Tensor"] = []  # this instance's, in creation order

    def new_hbm(self, shape: Tuple[int, ...], dtype: str, private: bool) -> "Tensor":
        """The k-th HBM tensor an instance creates is the same tensor in every
        instance (NKI's shared HBM is shared by the cores), except a
        private_hbm one, which each core has its own of."""
        k = len(self.hbm_created)
        name = f"{self.hbm_prefix}_{k}" + (f"_c{self.core}" if private and self.cores > 1 else "")
        t = Tensor(None, name, shape, dtype, "hbm")
        t.private = private
        self.hbm_created.append(t)
        return t

    def fresh(self) -> str:
        self.count += 1
        return f"t{self.count}"

    def emit(self, text: str, call: str) -> int:
        file, line = _user_location()
        self.lines.append([text, file, line, call])
        return len(self.lines) - 1


_current: Optional[_Trace] = None


def _trace() -> _Trace:
    if _current is None:
        _fail("nki.language / nki.isa calls run only inside a kernel traced by nki.simulate or nki_sim.run")
    return _current


def _fmt_num(x: Any) -> str:
    if isinstance(x, (bool, np.bool_)):
        return "1.0" if x else "0.0"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    v = float(x)
    if math.isnan(v):
        _unsupported("a NaN constant")
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    r = repr(v)
    return r if ("." in r or "e" in r or "inf" in r) else r + ".0"


def _is_num(x: Any) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, (bool, np.bool_))


class Tensor:
    """A symbolic NKI tensor: an HBM tensor, an SBUF/PSUM tile, or a view of one.

    A view is its root plus, per root dimension, (start, step, count, kept):
    what the .tile view `root[...]` selects. A start that is a Tensor is a
    run-time index into an HBM tensor (an indirect DMA): one element (the
    dimension dropped) or one per partition (a gather, count rows kept)."""

    def __init__(self, root: Optional["Tensor"], name: str, shape: Sequence[int], dtype: str, memory: str,
                 dims: Optional[List[Tuple[int, int, int, bool]]] = None, def_line: int = -1):
        self.root = root if root is not None else self
        self.name = name
        self.shape = tuple(int(s) for s in shape)
        self.tile_dtype = dtype
        self.memory = memory
        self.dims = dims  # None: the whole root
        self.def_line = def_line
        self.mutable = False

    # --- NKI tensor attributes
    @property
    def dtype(self) -> DType:
        return _BY_TILE[self.tile_dtype]

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def buffer(self):
        return {"sbuf": sbuf, "psum": psum, "hbm": shared_hbm}[self.memory]

    def __repr__(self) -> str:
        return f"<nki tensor {self.text()} {self.memory} {self.tile_dtype}{list(self.shape)}>"

    def text(self) -> str:
        if self.dims is None:
            return self.root.name
        parts = []
        for start, step, count, kept in self.dims:
            if isinstance(start, Tensor):
                parts.append(start.text())
            elif not kept:
                parts.append(str(start))
            elif step == 1:
                parts.append(f"{start}:{start + count}")
            else:
                parts.append(f"{start}:{start + step * (count - 1) + 1}:{step}")
        return f"{self.root.name}[{', '.join(parts)}]"

    def _root_dims(self) -> List[Tuple[int, int, int, bool]]:
        if self.dims is not None:
            return list(self.dims)
        return [(0, 1, n, True) for n in self.root.shape]

    def is_tile(self) -> bool:
        return self.memory in ("sbuf", "psum")

    # --- views
    def __getitem__(self, key: Any) -> "Tensor":
        view, mask_free = _view(self, key, None)
        return view

    def __setitem__(self, key: Any, value: Any) -> None:
        view, _ = _view(self, key, None)
        _assign(view, value, "tensor[...] = ...")

    def __iter__(self):
        _fail("a tensor cannot be iterated in a traced kernel; index it with integers or slices")

    def __bool__(self):
        _fail("a tile's values are not known while tracing: use nl.where or nisa.affine_select, not Python if/and/or")

    def __len__(self) -> int:
        return self.shape[0]

    # --- arithmetic (elementwise, through nl.*)
    def __add__(self, o): return _binary("add", self, o, "+")
    def __radd__(self, o): return _binary("add", o, self, "+")
    def __sub__(self, o): return _binary("subtract", self, o, "-")
    def __rsub__(self, o): return _binary("subtract", o, self, "-")
    def __mul__(self, o): return _binary("multiply", self, o, "*")
    def __rmul__(self, o): return _binary("multiply", o, self, "*")
    def __truediv__(self, o): return _binary("divide", self, o, "/")
    def __rtruediv__(self, o): return _binary("divide", o, self, "/")
    def __neg__(self): return _binary("multiply", self, -1.0, "-")
    def __pos__(self): return self
    def __lt__(self, o): return _binary("less", self, o, "<")
    def __le__(self, o): return _binary("less_equal", self, o, "<=")
    def __gt__(self, o): return _binary("greater", self, o, ">")
    def __ge__(self, o): return _binary("greater_equal", self, o, ">=")
    def __eq__(self, o): return _binary("equal", self, o, "==")  # type: ignore[override]
    def __ne__(self, o): return _binary("not_equal", self, o, "!=")  # type: ignore[override]
    __hash__ = object.__hash__

    def __iadd__(self, o): return _inplace(self, "+=", o)
    def __isub__(self, o): return _inplace(self, "-=", o)
    def __imul__(self, o): return _inplace(self, "*=", o)
    def __itruediv__(self, o): return _inplace(self, "/=", o)

    def __pow__(self, o): _unsupported("tensor ** x", "use nl.square, nl.sqrt or nl.multiply")
    def __matmul__(self, o): _unsupported("tensor @ tensor", "use nl.matmul")
    def __floordiv__(self, o): _unsupported("tensor // x")
    def __mod__(self, o): _unsupported("tensor % x")
    def __and__(self, o): _unsupported("tensor & x on tiles")
    def __or__(self, o): _unsupported("tensor | x on tiles")

    # NKI tensor methods
    def reshape(self, *shape):
        _unsupported("tensor.reshape")

    def view(self, *args):
        _unsupported("tensor.view")


def _new_tile(expr: str, shape, dtype: str, memory: str, call: str) -> Tensor:
    tr = _trace()
    name = tr.fresh()
    t = Tensor(None, name, shape, dtype, memory)
    t.def_line = tr.emit(f"let {name} = {expr}", call)
    return t


def _make_mutable(t: Tensor, what: str) -> Tensor:
    root = t.root
    if root.memory == "hbm":
        if _is_param(root):
            _fail(f"{what}: '{root.name}' is a kernel input; NKI kernels write only tensors they create")
        return root
    if not root.mutable:
        tr = _trace()
        line = tr.lines[root.def_line]
        assert line[0].startswith("let ")
        line[0] = "var " + line[0][4:]
        root.mutable = True
    return root


def _is_param(t: Tensor) -> bool:
    return any(t is p for p in _trace().params)


def _need(t: Any, what: str, tile: bool = True) -> Tensor:
    _trace()  # nl / nisa calls outside a traced kernel
    if not isinstance(t, Tensor):
        _fail(f"{what} must be a tensor, not {type(t).__name__}")
    if tile and not t.is_tile():
        _fail(f"{what} is an HBM tensor: nl.load it into SBUF first")
    return t


# ----------------------------------------------------- index expressions ---

class _Arange:
    """One nl.arange variable: positions 0..size-1 along output axis `axis` of `ndim`."""
    _ids = 0

    def __init__(self, size: int):
        _Arange._ids += 1
        self.id, self.size = _Arange._ids, size


class IndexExpr:
    """An affine expression over nl.arange variables: const + sum coef*var.
    `layout` says where each variable's axis lies when broadcast ([:, None])."""

    def __init__(self, const: int, terms: Dict[_Arange, int], layout: Dict[_Arange, Tuple[int, int]]):
        self.const, self.terms, self.layout = const, terms, layout

    @staticmethod
    def _of(x: Any) -> "IndexExpr":
        if isinstance(x, IndexExpr):
            return x
        if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
            return IndexExpr(int(x), {}, {})
        _fail(f"an index expression combines only with integers and nl.arange, not {type(x).__name__}")

    def _combine(self, other: Any, sign: int) -> "IndexExpr":
        o = IndexExpr._of(other)
        terms = dict(self.terms)
        for v, c in o.terms.items():
            terms[v] = terms.get(v, 0) + sign * c
        # zero coefficients stay (an axis of n positions that does not move the value)
        return IndexExpr(self.const + sign * o.const, terms, {**self.layout, **o.layout})

    def __add__(self, o): return self._combine(o, 1)
    def __radd__(self, o): return self._combine(o, 1)
    def __sub__(self, o): return self._combine(o, -1)
    def __rsub__(self, o): return IndexExpr._of(o)._combine(self, -1)
    def __neg__(self): return IndexExpr(-self.const, {v: -c for v, c in self.terms.items()}, self.layout)

    def __mul__(self, k):
        if not isinstance(k, (int, np.integer)):
            _fail("an nl.arange expression can be multiplied only by an integer")
        # zero coefficients stay: nl.arange(n)[:, None] * 0 still spans n partitions (iota)
        return IndexExpr(self.const * int(k), {v: c * int(k) for v, c in self.terms.items()}, self.layout)
    __rmul__ = __mul__

    def __getitem__(self, key: Any) -> "IndexExpr":
        # nl.arange(n)[:, None] / [None, :]: where the variable's axis lies.
        key = key if isinstance(key, tuple) else (key,)
        if len(self.terms) != 1 or builtins.sum(1 for k in key if k is not None) != 1:
            _fail("only a single nl.arange can be broadcast with [:, None] / [None, :]")
        (v,) = self.terms
        pos = [i for i, k in enumerate(key) if k is not None][0]
        return IndexExpr(self.const, self.terms, {v: (pos, len(key))})

    def _cmp(self, o: Any, op: str) -> "Predicate":
        return Predicate([(self._combine(o, -1), op)])

    def __lt__(self, o): return self._cmp(o, "<")
    def __le__(self, o): return self._cmp(o, "<=")
    def __gt__(self, o): return self._cmp(o, ">")
    def __ge__(self, o): return self._cmp(o, ">=")
    def __eq__(self, o): return self._cmp(o, "==")  # type: ignore[override]
    def __ne__(self, o): return self._cmp(o, "!=")  # type: ignore[override]
    __hash__ = object.__hash__


class Predicate:
    """A conjunction of affine comparisons `expr OP 0` (masks, affine_select)."""

    def __init__(self, conds: List[Tuple[IndexExpr, str]]):
        self.conds = conds

    def __and__(self, o: "Predicate") -> "Predicate":
        if not isinstance(o, Predicate):
            _fail("a mask combines with & only with another comparison of nl.arange expressions")
        return Predicate(self.conds + o.conds)

    def __bool__(self):
        _fail("a mask is not a Python bool: pass it as mask=")


def arange(start: int, stop: Optional[int] = None) -> IndexExpr:
    if stop is None:
        start, stop = 0, start
    v = _Arange(int(stop) - int(start))
    return IndexExpr(int(start), {v: 1}, {v: (0, 1)})


class _MGrid:
    def __getitem__(self, key):
        key = key if isinstance(key, tuple) else (key,)
        out = []
        for i, s in enumerate(key):
            if not isinstance(s, slice) or s.step not in (None, 1):
                _fail("nl.mgrid takes slices with step 1")
            e = arange(s.start or 0, s.stop)
            (v,) = e.terms
            out.append(IndexExpr(e.const, e.terms, {v: (i, len(key))}))
        return tuple(out) if len(out) > 1 else out[0]


mgrid = _MGrid()


class ds:
    """nl.ds(start, size): `size` positions from `start`."""

    def __init__(self, start: int, size: int):
        self.start, self.size = int(start), int(size)


def par_dim(n: int) -> int:
    return int(n)


def _mask_ranges(mask: Optional[Predicate]) -> Dict[_Arange, Tuple[int, int]]:
    """Per arange variable, the positions [lo, hi) a mask keeps (rectangular masks only)."""
    out: Dict[_Arange, Tuple[int, int]] = {}
    if mask is None:
        return out
    if not isinstance(mask, Predicate):
        _fail("mask= must be a comparison of nl.arange expressions (e.g. i_p + 128*t < n), joined with &")
    for expr, op in mask.conds:
        expr = IndexExpr(expr.const, {v: c for v, c in expr.terms.items() if c}, expr.layout)
        if len(expr.terms) != 1:
            _unsupported("a mask comparison over several nl.arange variables", "each comparison may bound one")
        if op in ("==", "!="):
            _unsupported(f"a mask with '{op}'", "use <, <=, > or >=")
        (v, c), = expr.terms.items()
        k = expr.const
        # as c*x + k >= 0 over integers x
        if op == ">":
            k -= 1
        elif op == "<=":
            c, k = -c, -k
        elif op == "<":
            c, k = -c, -k - 1
        lo, hi = out.get(v, (0, v.size))
        if c > 0:
            lo = builtins.max(lo, -(k // c))
        else:
            hi = builtins.min(hi, k // -c + 1)
        out[v] = (lo, builtins.max(lo, hi))
    return out


def _view(t: Tensor, key: Any, mask: Optional[Predicate], check: bool = True) -> Tuple[Tensor, bool]:
    """t[key] as a view of t's root; with nl.arange indices, `mask` narrows
    the positions. Returns (view, narrowed). check=False defers the bounds
    check of nl.arange indices to the load/store that gives the mask."""
    key = key if isinstance(key, tuple) else (key,)
    if any(k is Ellipsis for k in key):
        i = [j for j, k in enumerate(key) if k is Ellipsis][0]
        key = key[:i] + (slice(None),) * (len(t.shape) - len(key) + 1) + key[i + 1:]
    if len(key) > len(t.shape):
        _fail(f"{len(key)} indices for a tensor of {len(t.shape)} dimensions {list(t.shape)}")
    key = key + (slice(None),) * (len(t.shape) - len(key))
    ranges = _mask_ranges(mask)
    narrowed = False
    rd = t._root_dims()
    kept_axes = [i for i, d in enumerate(rd) if d[3]]  # root dims visible in t
    new = list(rd)
    for axis, k in enumerate(key):
        r = kept_axes[axis]
        start0, step0, count0, _ = rd[r]
        n = t.shape[axis]
        if isinstance(start0, Tensor):
            if not (isinstance(k, slice) and k == slice(None)):
                _unsupported("indexing the gathered dimension of a view again", "index the tensor once")
            continue
        if isinstance(k, Tensor):
            # A run-time index (NKI's indirect DMA): a tile's values pick
            # the position in this HBM dimension when the load runs.
            if mask is not None:  # the mask's ranges would have to narrow the index tile too
                _unsupported("a mask on a view indexed by a run-time index (gather or scatter)",
                             "size the index tile to the rows you move")
            if t.is_tile():
                _unsupported("indexing a tile by a tile's values", "use nisa.tensor_copy_dynamic_src")
            ix = _need(k, "a run-time index")
            if not ix.is_tile() or ix.tile_dtype not in _INTEGER_TILES or math.prod(ix.shape[1:]) != 1:
                _fail(f"a run-time index is an integer tile with one element per partition, not "
                      f"{ix.memory} {ix.tile_dtype}{list(ix.shape)}")
            rows = ix.shape[0]
            new[r] = (ix, 1, rows, rows > 1)  # a gather keeps one row per index
            continue
        if isinstance(k, IndexExpr):
            k = IndexExpr(k.const, {v: c for v, c in k.terms.items() if c}, k.layout)
            if not k.terms:
                k = k.const
        if isinstance(k, (int, np.integer)) and not isinstance(k, bool):
            i = int(k) + (n if k < 0 else 0)
            if not 0 <= i < n:
                _fail(f"index {int(k)} is out of bounds for dimension {axis} of size {n}")
            keep = t.is_tile() and r == 0  # a tile keeps its partition axis (size 1)
            new[r] = (start0 + step0 * i, step0, 1, keep)
            continue
        if isinstance(k, ds):
            k = slice(k.start, k.start + k.size)
        if isinstance(k, slice):
            if k.step is not None and int(k.step) <= 0:
                _unsupported("a slice with a step <= 0")
            a, b, s = k.indices(n)
            cnt = builtins.max(0, -(-(b - a) // s))
            if k.stop is not None and int(k.stop) > n or k.start is not None and int(k.start) > n:
                _fail(f"slice {k.start}:{k.stop} is out of bounds for dimension {axis} of size {n}")
            if cnt == 0:
                _fail(f"slice {k.start}:{k.stop} of dimension {axis} is empty")
            new[r] = (start0 + step0 * a, step0 * s, cnt, True)
            continue
        if isinstance(k, IndexExpr):
            if len(k.terms) != 1:
                _unsupported("an index over several nl.arange variables in one dimension")
            (v, c), = k.terms.items()
            if c <= 0:
                _unsupported("an nl.arange index with a coefficient <= 0")
            lo, hi = ranges.get(v, (0, v.size))
            if (lo, hi) != (0, v.size):
                narrowed = True
            if hi <= lo:
                _fail("the mask leaves nothing of this access")
            first, last = k.const + c * lo, k.const + c * (hi - 1)
            if check and (first < 0 or last >= n):
                _fail(f"index positions {first}..{last} are out of bounds for dimension {axis} of size {n}"
                      + ("" if mask is not None else " (pass mask= to access part of it)"))
            new[r] = (start0 + step0 * first, step0 * c, hi - lo, True)
            continue
        _fail(f"unsupported index {k!r}: use integers, slices, nl.ds or nl.arange expressions")
    shape = [d[2] for d in new if d[3]]
    return Tensor(t.root, t.root.name, shape, t.tile_dtype, t.memory, new), narrowed


# ------------------------------------------------------------ operations ---

_BINARY = {  # nl name -> (.tile operator or function, result is a comparison)
    "add": ("+", False), "subtract": ("-", False), "multiply": ("*", False), "divide": ("/", False),
    "maximum": ("maximum", False), "minimum": ("minimum", False),
    "logical_and": ("logical_and", False), "logical_or": ("logical_or", False),
    "logical_xor": ("logical_xor", False),
    "less": ("<", True), "less_equal": ("<=", True), "greater": (">", True), "greater_equal": (">=", True),
    "equal": ("==", True), "not_equal": ("!=", True),
}


def _operand(x: Any, what: str) -> Tuple[str, Optional[Tensor]]:
    if isinstance(x, Tensor):
        return _need(x, what).text(), x
    if _is_num(x) or isinstance(x, (bool, np.bool_)):
        return _fmt_num(x), None
    if isinstance(x, IndexExpr):
        _unsupported(f"{what} as an nl.arange expression in arithmetic", "use nisa.iota")
    _fail(f"{what} must be a tile or a number, not {type(x).__name__}")


def _broadcast(a: Tuple[int, ...], b: Tuple[int, ...]) -> Tuple[int, ...]:
    if a[0] != b[0]:
        _fail(f"partition sizes differ ({a[0]} vs {b[0]}): the engines cannot broadcast across partitions")
    fa, fb = list(a[1:]), list(b[1:])
    n = builtins.max(len(fa), len(fb))
    fa, fb = [1] * (n - len(fa)) + fa, [1] * (n - len(fb)) + fb
    out = []
    for x, y in zip(fa, fb):
        if x != y and 1 not in (x, y):
            _fail(f"shapes {list(a)} and {list(b)} do not broadcast")
        out.append(builtins.max(x, y))
    return (a[0],) + tuple(out)


def _with_dtype(expr: str, dtype: Any, natural: str) -> Tuple[str, str]:
    if dtype is None:
        return expr, natural
    d = _dtype(dtype)
    return (expr, d) if d == natural else (f"copy({expr}, dtype={d})", d)


def _binary(op: str, x: Any, y: Any, call: str, dtype: Any = None) -> Tensor:
    sym, cmp = _BINARY[op]
    xs, xt = _operand(x, "x")
    ys, yt = _operand(y, "y")
    if xt is None and yt is None:
        _fail(f"nl.{op} needs at least one tile")
    if xt is not None and yt is not None:
        shape = _broadcast(xt.shape, yt.shape)
        natural = _promote(xt.tile_dtype, yt.tile_dtype)
    else:
        t = xt if xt is not None else yt
        shape, natural = t.shape, t.tile_dtype
        if natural in ("i32", "u8") and not (_is_num(x if xt is None else y) and
                                             isinstance(x if xt is None else y, (int, np.integer))):
            natural = "f32"  # an integer tile with a float number gives f32
    if cmp:
        natural = "f32"  # comparisons give 1.0 / 0.0
    expr = f"{sym}({xs}, {ys})" if sym[0].isalpha() else f"{xs} {sym} {ys}"
    expr, d = _with_dtype(expr, dtype, natural)
    return _new_tile(expr, shape, d, "sbuf", call)


_UNARY_TILE = {"exp", "log", "reciprocal", "tanh", "sigmoid", "gelu", "silu", "relu", "sqrt", "rsqrt", "square",
               "abs", "copy", "gelu_apprx_tanh", "gelu_apprx_sigmoid", "gelu_dx", "silu_dx", "softplus", "mish",
               "erf", "erf_dx", "sin", "arctan", "sign"}


def _unary(fn: str, x: Any, dtype: Any) -> Tensor:
    t = _need(x, f"nl.{fn}'s input")
    natural = t.tile_dtype
    if fn == "copy":
        d = _dtype(dtype) if dtype is not None else natural
        return _new_tile(f"copy({t.text()}, dtype={d})", t.shape, d, "sbuf", f"nl.{fn}")
    expr, d = _with_dtype(f"{fn}({t.text()})", dtype, natural if natural in ("f32", "bf16", "f16") else "f32")
    return _new_tile(expr, t.shape, d, "sbuf", f"nl.{fn}")


def _axes(t: Tensor, axis: Any, fn: str) -> List[int]:
    if axis is None:
        _unsupported(f"nl.{fn} without axis", "the partition axis cannot be reduced by the compute engines")
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    out = []
    for a in axes:
        a = int(a)
        a = a + len(t.shape) if a < 0 else a
        if a == 0:
            _unsupported(f"nl.{fn} over axis 0", "the partition axis cannot be reduced by the compute engines; "
                         "transpose first or use nisa.tensor_partition_reduce")
        if not 0 < a < len(t.shape):
            _fail(f"axis {a} is out of range for a tile of shape {list(t.shape)}")
        out.append(a)
    return sorted(set(out), reverse=True)


def _reduce(fn: str, x: Any, axis: Any, dtype: Any, keepdims: bool) -> Tensor:
    t = _need(x, f"nl.{fn}'s input")
    axes = _axes(t, axis, fn)
    cur = t
    for a in axes:  # innermost first, so the remaining axis numbers stay valid
        shape = list(cur.shape)
        if keepdims:
            shape[a] = 1
        else:
            del shape[a]
        kd = "true" if keepdims else "false"
        cur = _new_tile(f"{fn}({cur.text()}, axis={a}, keepdims={kd})", shape, cur.tile_dtype, "sbuf", f"nl.{fn}")
    if dtype is not None and _dtype(dtype) != cur.tile_dtype:
        cur = _unary("copy", cur, dtype)
    return cur


def _assign(dst: Tensor, value: Any, call: str) -> None:
    if dst.memory == "hbm":
        _fail(f"{call}: write HBM tensors with nl.store")
    root = _make_mutable(dst, call)
    text = dst.text()
    if isinstance(value, Tensor):
        v = _need(value, "the assigned value")
        if tuple(builtins.filter(lambda s: s != 1, v.shape)) != tuple(builtins.filter(lambda s: s != 1, dst.shape)):
            _fail(f"{call}: a value of shape {list(v.shape)} cannot be assigned to a region of shape {list(dst.shape)}")
        src = v.text()
        if tuple(v.shape) != tuple(dst.shape):  # [P, F] into a [P, 1, F] view and the like: copy into shape
            src = f"copy({src})"
        _trace().emit(f"{text} = {src}" if v.shape == dst.shape else f"{text} = {src}", call)
    elif _is_num(value) or isinstance(value, (bool, np.bool_)):
        _trace().emit(f"{text} = {_fmt_num(value)}", call)
    else:
        _fail(f"{call}: cannot assign a {type(value).__name__} to a tile")
    del root


def _inplace(t: Tensor, op: str, value: Any) -> Tensor:
    if t.memory == "hbm":
        _fail(f"tensor {op} x: HBM tensors are written with nl.store")
    _make_mutable(t, f"tensor {op} x")
    vs, _ = _operand(value, "the right-hand side")
    _trace().emit(f"{t.text()} {op} {vs}", f"tensor {op} x")
    return t


# ------------------------------------------------------------- the run ---

class Traced:
    """A traced kernel: its .tile source and where each line came from."""

    def __init__(self, name: str, source: str, line_origin: List[Tuple[Optional[str], Optional[int], str]],
                 params: List[Tuple[str, str, str, Tuple[int, ...]]], outputs: List[Tuple[str, Tuple[int, ...]]],
                 cores: int = 1):
        self.name = name
        self.cores = cores  # physical cores the launch uses (2: an LNC=2 kernel)
        self.source = source  # .tile text
        self.line_origin = line_origin  # per source line (1-based index - 1): (file, line, call)
        self.params = params  # (python name, .tile name, dtype, shape)
        self.outputs = outputs  # (dtype, shape)

    def compile(self, target: str = "trn2", **kwargs):
        import nkc
        if self.cores > 1 and target == "trn1":
            file, line, _ = self.line_origin[0]
            raise NkiTraceError(f"kernel '{self.name}' is launched on {self.cores} physical cores (LNC=2), which "
                                "trn2 has: trn1 runs a kernel on one NeuronCore", file, line)
        try:
            return nkc.compile_source(self.source, name=f"{self.name}.traced.tile", target=target, **kwargs)
        except nkc.CompileError as e:
            raise self._located(e) from None

    def python_locations(self, message: str) -> str:
        """`message` with each location in the traced .tile source
        (NAME.traced.tile:LINE:COL, as nksim's race, deadlock and range
        reports give them) pointed at the Python line that .tile line came
        from: "kernel.py:LN, traced line LINE:COL"."""
        tile = re.escape(f"{self.name}.traced.tile") + r":(\d+):(\d+)"

        def at_python(m) -> str:
            line = int(m.group(1))
            file, pyline, _ = (self.line_origin[line - 1] if 0 < line <= len(self.line_origin)
                               else (None, None, ""))
            if not file or not pyline:
                return m.group(0)
            return f"{os.path.basename(file)}:{pyline}, traced line {m.group(1)}:{m.group(2)}"
        return re.sub(tile, at_python, message)

    def _located(self, e) -> Exception:
        """A CompileError re-pointed at the Python line the failing .tile line came from."""
        m = re.search(r":(\d+):(\d+): error: (.*)", str(e))
        if not m:
            return e
        line = int(m.group(1))
        file, pyline, call = (self.line_origin[line - 1] if 0 < line <= len(self.line_origin)
                              else (None, None, ""))
        err = NkiTraceError(f"{m.group(3)} (in {call}; traced as '{self.source.splitlines()[line - 1].strip()}')",
                            file, pyline)
        err.compile_error = e
        return err


def _tile_name(py: str, used: set) -> str:
    n = re.sub(r"\W", "_", py) or "x"
    if n[0].isdigit():
        n = "_" + n
    while n in _RESERVED or n in used or re.fullmatch(r"t\d+", n):
        n += "_"
    used.add(n)
    return n


class _NarrowFloat:
    """A float array marked as a kernel input of a float dtype NumPy lacks."""
    tile = ""

    def __init__(self, array: Any):
        self.array = np.ascontiguousarray(array, dtype=np.float32)

    def __array__(self, dtype=None):
        return self.array if dtype is None else self.array.astype(dtype)


class bf16(_NarrowFloat):
    """Marks a float array as a bfloat16 kernel input, for NumPy without
    ml_dtypes: `nki_sim.run(kernel, nki_sim.bf16(x))`. The values are
    rounded to bf16 (nearest even) on the way in, as the hardware converts."""
    tile = "bf16"


class fp8_e4m3(_NarrowFloat):
    """Marks a float array as a float8_e4m3 kernel input (rounded to nearest
    even on the way in; beyond +-240 it becomes +-inf, as ml_dtypes does)."""
    tile = "f8e4m3"


class fp8_e5m2(_NarrowFloat):
    """Marks a float array as a float8_e5m2 kernel input (rounded to nearest
    even; beyond +-57344 it becomes +-inf)."""
    tile = "f8e5m2"


def _array_dtype(a: Any, name: str) -> str:
    if isinstance(a, _NarrowFloat):
        return a.tile
    if a.dtype.name in _ML_DTYPES:
        return _ML_DTYPES[a.dtype.name]
    for d in _DTYPES:
        if d.numpy is not None and d is not bool_ and a.dtype == d.numpy:
            return d.tile
    raise NkiTraceError(f"argument '{name}' is {a.dtype}: NeuronCore kernels take float32, bfloat16 or float8 "
                        f"(ml_dtypes), float16, int8/16/32 or uint8/16/32 arrays (convert with .astype(np.float32))")


def _kernel_function(kernel: Any):
    fn = getattr(kernel, "func", None) or getattr(kernel, "__wrapped__", None) or kernel
    if not callable(fn):
        raise NkiTraceError(f"{kernel!r} is not a kernel function")
    return fn


class SpmdDim:
    """One dimension of a launch grid: `size` instances, spread over `cores`
    physical NeuronCores (1: all on one core). nl.nc(n) is SpmdDim(n, n);
    nl.spmd_dim(nl.nc(2), k) is SpmdDim(2 * k, 2): instances 0..k-1 on core
    0, k..2k-1 on core 1, as NKI's spmd_dim documents."""

    def __init__(self, size: int, cores: int):
        self.size, self.cores = size, cores

    def __repr__(self) -> str:
        return f"nl.nc({self.size})" if self.size == self.cores else f"spmd_dim({self.size}, cores={self.cores})"


_MAX_CORES = 2  # NKI's LNC degree is 1 or 2 (the LNC page of the NKI docs)


class _Launch:
    """A kernel launch: the grid's dimension sizes, how many physical cores
    it uses, and each core's instances (program ids) in the order they run."""

    def __init__(self, dims: Tuple[int, ...], cores: int, instances: List[List[Tuple[int, ...]]]):
        self.dims, self.cores, self.instances = dims, cores, instances


def _launch(grid: Any, where: Tuple[Optional[str], Optional[int]]) -> _Launch:
    """NKI's launch rules. `kernel[2]` (or NEURON_LOGICAL_NC_CONFIG=2 with no
    brackets) runs the kernel on the two physical cores of an LNC=2 logical
    core, program_id(0) being the core; `kernel[nl.nc(2), n]` spreads the
    first grid axis over the cores; any other grid (`kernel[4, 2]`) runs its
    instances one after another on one core, in row-major order."""
    if grid is None:
        env = os.environ.get("NEURON_LOGICAL_NC_CONFIG", "").strip()
        if env in ("", "1"):
            return _Launch((), 1, [[()]])
        if env != "2":
            raise NkiTraceError(f"NEURON_LOGICAL_NC_CONFIG={env}: the LNC degree is 1 or 2", *where)
        grid = (SpmdDim(2, 2),)
    g = grid if isinstance(grid, tuple) else (grid,)
    if len(g) == 1 and isinstance(g[0], (int, np.integer)) and not isinstance(g[0], bool) and 1 <= g[0] <= _MAX_CORES:
        g = (SpmdDim(int(g[0]), int(g[0])),)  # NKI 2.33: kernel[n] runs on n cores
    dims: List[int] = []
    core_axis, cores = None, 1
    for axis, d in enumerate(g):
        if isinstance(d, SpmdDim):
            if d.cores > 1:
                if core_axis is not None:
                    raise NkiUnsupportedError(f"launch grid {list(g)}: only one axis can be spread over the "
                                              "physical cores", *where)
                core_axis, cores = axis, d.cores
            dims.append(d.size)
        elif isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d >= 1:
            dims.append(int(d))
        else:
            raise NkiTraceError(f"launch grid {list(g)}: each dimension is a positive integer or nl.nc(n)", *where)
    if cores > _MAX_CORES:
        raise NkiTraceError(f"launch grid {list(g)} asks for {cores} physical cores: a logical NeuronCore has "
                            f"at most {_MAX_CORES} (LNC=2)", *where)
    n = 1
    for d in dims:
        n *= d
    if n > 4096:
        raise NkiUnsupportedError(f"launch grid {list(g)} has {n} instances: nki_sim traces each one, at most 4096",
                                  *where)
    per_core: List[List[Tuple[int, ...]]] = [[] for _ in range(cores)]
    for ids in itertools.product(*(range(d) for d in dims)):
        c = 0 if core_axis is None else ids[core_axis] // (dims[core_axis] // cores)
        per_core[c].append(tuple(ids))
    return _Launch(tuple(dims), cores, per_core)


_program: Tuple[Tuple[int, ...], Tuple[int, ...]] = ((), ())  # (grid dims, program ids) of the instance traced


def program_id(axis: int) -> int:
    dims, ids = _program
    if not isinstance(axis, (int, np.integer)) or not (0 <= axis < max(1, len(dims))):
        _fail(f"nl.program_id({axis!r}): the launch grid has {len(dims)} dimension(s)")
    return ids[axis] if dims else 0


def num_programs(axes: Any = None) -> int:
    dims, _ = _program
    if axes is None:
        n = 1
        for d in dims:
            n *= d
        return n
    out = 1
    for a in (axes if isinstance(axes, (tuple, list)) else (axes,)):
        if not isinstance(a, (int, np.integer)) or not (0 <= a < max(1, len(dims))):
            _fail(f"nl.num_programs({axes!r}): the launch grid has {len(dims)} dimension(s)")
        out *= dims[a] if dims else 1
    return out


def _hbm_list(tensors: List[Tuple[Tuple[int, ...], str, bool]]) -> str:
    return "[" + ", ".join(f"{d}{list(sh)}" for sh, d, _ in tensors) + "]"


def _check_result(fn, tr: "_Trace", result: Any) -> "Tensor":
    results = result if isinstance(result, (tuple, list)) else (result,)
    if result is None or not results:
        raise NkiTraceError(f"kernel '{fn.__name__}' returns nothing: return the HBM tensor it stores its result "
                            "in (nl.ndarray(..., buffer=nl.shared_hbm))", *_code_location(fn))
    for r in results:
        if not isinstance(r, Tensor) or r.dims is not None or not any(r is t for t in tr.hbm_created):
            raise NkiTraceError(f"kernel '{fn.__name__}' must return the HBM tensor(s) it created with "
                                f"nl.ndarray(..., buffer=nl.shared_hbm), not {r!r}", *_code_location(fn))
    if len(results) != 1:
        raise NkiUnsupportedError(f"kernel '{fn.__name__}' returns {len(results)} tensors: nkc kernels have one "
                                  "output (an HBM tensor it does not return is scratch)", *_code_location(fn))
    return results[0]


def trace(kernel: Any, *args: Any, **kwargs: Any) -> Traced:
    """Traces `kernel` on the shapes and dtypes of the array arguments
    (other arguments are passed through as compile-time values), once per
    instance of its launch grid (kernel[2]: once per physical core)."""
    global _current, _program
    fn = _kernel_function(kernel)
    launch = _launch(getattr(kernel, "grid", None), _code_location(fn))
    sig = inspect.signature(fn)
    try:
        bound = sig.bind(*args, **kwargs)
    except TypeError as e:
        raise NkiTraceError(f"{fn.__name__}: {e}", *_code_location(fn)) from None
    bound.apply_defaults()
    tr = _Trace(fn.__name__)
    tr.cores = launch.cores
    used: set = {"core", "cores"} if launch.cores > 1 else set()  # sizes of a two-core .tile kernel
    call_args = {}
    params = []
    for name, value in bound.arguments.items():
        if isinstance(value, np.ndarray) or hasattr(value, "__array__") and not _is_num(value):
            a = value.array if isinstance(value, _NarrowFloat) else np.asarray(value)
            if a.ndim < 1 or a.ndim > 5:
                raise NkiTraceError(f"argument '{name}' has {a.ndim} dimensions: kernel tensors have 1 to 5",
                                    *_code_location(fn))
            dt = _array_dtype(value if isinstance(value, _NarrowFloat) else a, name)
            t = Tensor(None, _tile_name(name, used), a.shape, dt, "hbm")
            tr.params.append(t)
            params.append((name, t.name, dt, tuple(a.shape)))
            call_args[name] = t
        else:
            call_args[name] = value
    while any(u == tr.hbm_prefix or u.startswith(tr.hbm_prefix + "_") for u in used):
        tr.hbm_prefix += "_"
    outp: Optional[Tensor] = None
    out_index = -1
    created: List[Tuple[Tuple[int, ...], str, bool]] = []  # the first instance's HBM tensors
    core_lines: List[List[List[Any]]] = []
    for core, ids_of_core in enumerate(launch.instances):
        start = len(tr.lines)
        tr.core = core
        for n, ids in enumerate(ids_of_core):
            tr.hbm_created = []
            prev, prev_program, _current, _program = _current, _program, tr, (launch.dims, ids)
            try:
                result = fn(**call_args)
            finally:
                _current, _program = prev, prev_program
            r = _check_result(fn, tr, result)
            mine = [(t.shape, t.tile_dtype, t.private) for t in tr.hbm_created]
            index = next(i for i, t in enumerate(tr.hbm_created) if t is r)
            if outp is None:
                outp, out_index, created = r, index, mine
            elif mine != created or index != out_index:
                raise NkiTraceError(f"kernel '{fn.__name__}' creates HBM tensors {_hbm_list(mine)} and returns the "
                                    f"#{index} in program {list(ids)}, but {_hbm_list(created)} and the #{out_index} in "
                                    "the first: every instance of a launch grid creates the same HBM tensors and "
                                    "returns the same one", *_code_location(fn))
        core_lines.append(tr.lines[start:])
    assert outp is not None
    sig_params = ", ".join(f"{t.name}: {t.tile_dtype}[{', '.join(map(str, t.shape))}]" for t in tr.params)
    sizes = "[cores = 2, core = 0]" if launch.cores == 2 else ""
    header = (f"kernel {_tile_name(fn.__name__, set())}{sizes}({sig_params}) -> "
              f"{outp.tile_dtype}[{', '.join(map(str, outp.shape))}]:")
    file, line = _code_location(fn)
    lines = [header]
    origin: List[Tuple[Optional[str], Optional[int], str]] = [(file, line, f"def {fn.__name__}")]

    def body(entries: List[List[Any]], indent: str) -> None:
        for text, f, ln, call in entries:
            lines.append(indent + text)
            origin.append((f, ln, call))
        if not entries:
            lines.append(indent + "pass")
            origin.append((file, line, ""))

    # the HBM tensors the kernel creates: the returned one is `out`, the
    # others scratch() tensors (docs/language.md), declared once for all cores
    out_name = re.compile(rf"\b{tr.hbm_prefix}_{out_index}(_c\d)?\b")
    for k, (shape, dtype, private) in enumerate(created):
        per_core = private and launch.cores > 1
        names = [f"{tr.hbm_prefix}_{k}_c{c}" for c in range(launch.cores)] if per_core else [f"{tr.hbm_prefix}_{k}"]
        for name in names if k != out_index else []:
            lines.append(f"    let {name} = scratch({dtype}, [{', '.join(map(str, shape))}])")
            origin.append((file, line, "nl.ndarray"))
    for entries in core_lines:  # the returned tensor is the kernel's `out`
        for e in entries:
            e[0] = out_name.sub("out", e[0])
    if launch.cores == 1:
        body(core_lines[0], "    ")
    else:
        # the compiler specialises a two-core kernel per core (`core` = 0, 1)
        # and compiles only the chosen branch of a compile-time `if`
        for c, entries in enumerate(core_lines):
            lines.append(f"    {'if' if c == 0 else 'elif'} core == {c}:")
            origin.append((file, line, f"physical core {c}"))
            body(entries, "        ")
    return Traced(fn.__name__, "\n".join(lines) + "\n", origin, params,
                  [(outp.tile_dtype, outp.shape)], cores=launch.cores)


def _code_location(fn) -> Tuple[Optional[str], Optional[int]]:
    code = getattr(fn, "__code__", None)
    return (code.co_filename, code.co_firstlineno) if code else (None, None)


class Result:
    """What nki_sim.run returns: the outputs, nksim's statistics and trace."""

    def __init__(self, traced: Traced, program, run):
        self.traced, self.program, self._run = traced, program, run
        self.outputs = [run.outputs["out"]]
        self.stats = run.stats
        self.warnings = run.warnings

    @property
    def output(self) -> np.ndarray:
        return self.outputs[0]

    @property
    def tile_source(self) -> str:
        return self.traced.source

    @property
    def total_ns(self) -> float:
        return self.stats["total_ns"]

    def write_trace(self, path: str) -> None:
        self._run.write_trace(path)

    def engine_busy_ns(self) -> Dict[str, float]:
        out: Dict[str, float] = {}
        for s in self.stats.get("streams", []):
            out[s.get("stream", "?")] = s["busy_ns"]
        return out


def run(kernel: Any, *args: Any, target: str = "trn2", trace: bool = False, strict: bool = False,
        race_check: bool = True, **kwargs: Any) -> Result:
    """Traces `kernel` on the arrays, compiles it with nkc and simulates it
    with nksim. Races, deadlocks and (strict=True) reads of never-written
    SBUF/PSUM raise nkc.SimulationError."""
    traced = globals()["trace"](kernel, *args, **kwargs)
    program = traced.compile(target=target)
    bound = inspect.signature(_kernel_function(kernel)).bind(*args, **kwargs)
    inputs = {tile: np.asarray(bound.arguments[py]) for py, tile, _, _ in traced.params}  # bf16: float32, rounded by run
    import nkc
    try:
        r = program.run(inputs, trace=trace, strict=strict, race_check=race_check)
    except nkc.SimulationError as e:
        # the kernel author wrote Python: name its lines, not the traced .tile's
        raise nkc.SimulationError(traced.python_locations(str(e))) from None
    r.warnings = [traced.python_locations(w) for w in r.warnings]
    return Result(traced, program, r)


def _cli(argv: Optional[List[str]] = None) -> int:
    """python3 -m nkc.nki_sim emit-tile KERNEL.py --kernel NAME --input name=FILE.npy ...

    Prints the kernel traced to .tile source (what `nksim run KERNEL.py`
    compiles), with the arrays' shapes and dtypes. Exit 0; or the error on
    stderr, with exit 3 when it is rendered at a Python line (FILE:LINE:
    error: ..., which nksim prints as it is) and 1 otherwise."""
    import argparse
    import runpy
    ap = argparse.ArgumentParser(prog="python3 -m nkc.nki_sim", description=_cli.__doc__)
    ap.add_argument("command", choices=["emit-tile"])
    ap.add_argument("file")
    ap.add_argument("--kernel", required=False, help="the kernel function (default: the only @nki.jit one)")
    ap.add_argument("--input", action="append", default=[], metavar="NAME=FILE.npy")
    ap.add_argument("--map", help="write the .tile-line -> Python-line map here (JSON)")
    a = ap.parse_args(argv)
    try:
        arrays = {}
        for spec in a.input:
            if "=" not in spec:
                raise NkiError(f"--input {spec}: expected NAME=FILE.npy")
            n, p = spec.split("=", 1)
            try:
                arrays[n] = np.load(p, mmap_mode="r")
            except Exception as e:  # noqa: BLE001 - any unreadable file is one message
                raise NkiError(f"--input {n}: cannot read '{p}': {e}") from None
        import nki as _nki  # noqa: F401 - the compat package, so the file's imports resolve
        sys.argv = [a.file]
        try:
            ns = runpy.run_path(a.file, run_name="__nki_trace__")
        except NkiError:
            raise
        except SystemExit:
            ns = {}
        except Exception as e:  # noqa: BLE001
            raise NkiError(f"importing {a.file} failed: {type(e).__name__}: {e}") from None
        kernels = {k: v for k, v in ns.items() if getattr(v, "_nki_kernel", False)}
        if a.kernel:
            if a.kernel not in ns or not callable(ns[a.kernel]):
                raise NkiError(f"{a.file} defines no kernel function '{a.kernel}'"
                               + (f" (its @nki.jit kernels: {', '.join(kernels)})" if kernels else ""))
            k = ns[a.kernel]
        elif len(kernels) == 1:
            (k,) = kernels.values()
        else:
            raise NkiError(f"{a.file} defines {len(kernels)} @nki.jit kernels"
                           + (f" ({', '.join(kernels)})" if kernels else "") + ": choose one with --kernel")
        fn = _kernel_function(k)
        names = [p.name for p in inspect.signature(fn).parameters.values()
                 if p.default is inspect.Parameter.empty]
        missing = [n for n in names if n not in arrays]
        extra = [n for n in arrays if n not in inspect.signature(fn).parameters]
        if missing or extra:
            raise NkiError(f"kernel '{fn.__name__}' takes {', '.join(names)}: "
                           + (f"give --input for {', '.join(missing)}" if missing else "")
                           + ("; " if missing and extra else "")
                           + (f"it has no parameter {', '.join(extra)}" if extra else ""))
        try:
            traced = globals()["trace"](k, **arrays)
        except NkiError:
            raise
        except Exception as e:  # noqa: BLE001 - the kernel's own Python error, at its line
            import traceback
            frames = [f for f in traceback.extract_tb(e.__traceback__)
                      if not os.path.abspath(f.filename).startswith(_PKG_DIRS)]
            where = frames[-1] if frames else None
            raise NkiTraceError(f"the kernel raised {type(e).__name__}: {e}", where.filename if where else None,
                                where.lineno if where else None) from None
        mapped = [f"{py}={tile}" for py, tile, _, _ in traced.params if py != tile]
        if mapped:
            raise NkiUnsupportedError(f"parameter names {', '.join(mapped)} are renamed in .tile: rename them "
                                      "in the kernel to run it from nksim (nki_sim.run accepts any name)")
        # each line says where it came from, so nkc's diagnostics (which show
        # the failing line) point back at the Python source
        for text, (f, ln, _) in zip(traced.source.splitlines(), traced.line_origin):
            sys.stdout.write(f"{text}  # {os.path.basename(f)}:{ln}\n" if f and ln else text + "\n")
        if a.map:
            import json
            with open(a.map, "w") as f:
                json.dump([[o[0], o[1], o[2]] for o in traced.line_origin], f)
        return 0
    except NkiError as e:
        sys.stderr.write(f"{e if e.file else e.bare}\n")
        return 3 if e.file else 1


_PKG_DIRS = (os.path.dirname(os.path.abspath(__file__)) + os.sep,)

if __name__ == "__main__":
    # `python3 -m nkc.nki_sim` runs this file as __main__, a second copy of
    # the module: trace with the copy the nki package uses.
    from nkc import nki_sim as _module
    sys.exit(_module._cli())
