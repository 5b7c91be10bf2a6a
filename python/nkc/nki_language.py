"""nki.language, as nkc.nki_sim traces it: every call appends .tile source.

The names and signatures are NKI's (the NKI 0.6 `nki.language` and the older
`neuronxcc.nki.language`); what each maps to is in docs/nki.md. A name NKI
has and this module does not implement raises NkiUnsupportedError at the
calling line (see __getattr__ at the end), never a silent approximation.
"""
from __future__ import annotations

import builtins
import math
from typing import Any, Optional

import numpy as np

from . import nki_sim as _s
from .nki_sim import (DType, Tensor, IndexExpr, Predicate, arange, mgrid, ds, par_dim, tile_size,  # noqa: F401
                      float32, bfloat16, float16, int32, uint8, tfloat32, float8_e4m3, float8_e5m2, int8, int16,
                      uint16, uint32, bool_, sbuf, psum, hbm, private_hbm, shared_hbm)

NkiTensor = Tensor
tile = Tensor
float8_e4m3fn = float8_e4m3


# ---- loops: Python ranges, unrolled while tracing (as NKI 0.6 does) ----------

def _range(start, stop=None, step=1):
    if stop is None:
        start, stop = 0, start
    for v in (start, stop, step):
        if not isinstance(v, (int, np.integer)):
            _s._fail(f"loop bounds must be integers known while tracing, not {type(v).__name__}")
    return range(int(start), int(stop), int(step))


def affine_range(start, stop=None, step=1):
    return _range(start, stop, step)


def sequential_range(start, stop=None, step=1):
    return _range(start, stop, step)


def static_range(start, stop=None, step=1):
    return _range(start, stop, step)


def program_id(axis=0):
    return _s.program_id(axis)


def num_programs(axes=None):
    return _s.num_programs(axes)


def program_ndim():
    return len(_s._program[0])


def nc(n):
    """A launch-grid axis spread over n physical cores: kernel[nl.nc(2)]."""
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or not 1 <= n <= _s._MAX_CORES:
        _s._fail(f"nl.nc({n!r}): a logical NeuronCore has 1 or {_s._MAX_CORES} physical cores")
    return _s.SpmdDim(int(n), int(n))


def spmd_dim(*factors):
    """A launch-grid axis made of factors, the first of which may be nl.nc(n):
    spmd_dim(nc(2), 2) is an axis of 4, programs 0-1 on core 0, 2-3 on core 1."""
    size, cores = 1, 1
    for i, f in enumerate(factors):
        if isinstance(f, _s.SpmdDim):
            if i != 0 or f.size != f.cores:
                _s._unsupported("nl.spmd_dim with nl.nc(...) other than as its first factor")
            cores = f.cores
            size *= f.size
        elif isinstance(f, (int, np.integer)) and not isinstance(f, bool) and f >= 1:
            size *= int(f)
        else:
            _s._fail(f"nl.spmd_dim: {f!r} is not a positive integer or nl.nc(n)")
    if not factors:
        _s._fail("nl.spmd_dim takes at least one factor")
    return _s.SpmdDim(size, cores)


# ---- tensors --------------------------------------------------------------------

def _shape(shape: Any) -> tuple:
    shape = tuple(shape) if isinstance(shape, (tuple, list)) else (shape,)
    for n in shape:
        if not isinstance(n, (int, np.integer)) or n < 1:
            _s._fail(f"shape {shape}: every dimension must be a positive integer")
    return tuple(int(n) for n in shape)


def _tile_type(memory: str, dtype: str, shape: tuple) -> str:
    free = ", ".join(str(n) for n in shape[1:])
    return f"{memory} {dtype}[{shape[0]} | {free}]" if free else f"{memory} {dtype}[{shape[0]}]"


def _create(shape, dtype, buffer, fill, call: str) -> Tensor:
    tr = _s._trace()
    shape = _shape(shape)
    d = _s._dtype(dtype)
    mem = _s._memory(buffer)
    if mem == "hbm":
        if fill is not None:
            _s._unsupported(f"{call} in HBM", "create HBM tensors with nl.ndarray and write them with nl.store")
        if len(shape) > 5:
            _s._fail(f"an HBM tensor has at most 5 dimensions, not {len(shape)}")
        return tr.new_hbm(shape, d, private=getattr(buffer, "name", buffer) == "private_hbm")
    if len(shape) > 5:
        _s._fail(f"a tile has a partition axis and at most 4 free axes, not shape {list(shape)}")
    typ = _tile_type(mem, d, shape)
    expr = f"zeros({typ})" if not fill else f"full({typ}, {_s._fmt_num(fill)})"
    t = _s._new_tile(expr, shape, d, mem, call)
    _s._make_mutable(t, call)  # NKI buffers are written in place
    return t


def ndarray(shape, dtype, buffer=sbuf, name="", address=None, **kwargs):
    return _create(shape, dtype, buffer, None, "nl.ndarray")


def empty_like(x, dtype=None, buffer=None, name="", **kwargs):
    return _create(x.shape, dtype or x.dtype, buffer if buffer is not None else x.buffer, None, "nl.empty_like")


def zeros(shape, dtype, buffer=sbuf, name="", **kwargs):
    return _create(shape, dtype, buffer, 0, "nl.zeros")


def zeros_like(x, dtype=None, buffer=None, name="", **kwargs):
    return _create(x.shape, dtype or x.dtype, buffer if buffer is not None else x.buffer, 0, "nl.zeros_like")


def ones(shape, dtype, buffer=sbuf, name="", **kwargs):
    return _create(shape, dtype, buffer, 1.0, "nl.ones")


def full(shape, fill_value, dtype, buffer=sbuf, name="", **kwargs):
    if not _s._is_num(fill_value):
        _s._fail("nl.full's fill_value must be a number")
    return _create(shape, dtype, buffer, fill_value if fill_value != 0 else 0, "nl.full")


# ---- data movement --------------------------------------------------------------

def load(src, dtype=None, mask=None, **kwargs):
    t = _s._need(src, "nl.load's source", tile=False)
    if t.memory != "hbm":
        _s._fail("nl.load reads an HBM tensor; this one is in " + t.memory)
    d = _s._dtype(dtype) if dtype is not None else t.tile_dtype
    dt = f", dtype={d}" if d != t.tile_dtype else ""
    if mask is not None or getattr(t, "_arange_key", None):
        return _masked_load(t, mask, d, dt)
    return _s._new_tile(f"load({t.text()}{dt})", t.shape, d, "sbuf", "nl.load")


def store(dst, value, mask=None, **kwargs):
    t = _s._need(dst, "nl.store's destination", tile=False)
    if t.memory != "hbm":
        _s._fail("nl.store writes an HBM tensor; this one is in " + t.memory)
    if _s._is_param(t.root):
        _s._fail(f"nl.store into kernel input '{t.root.name}': NKI kernels write only the tensors they create")
    if _s._is_num(value):
        _s._unsupported("nl.store of a number", "store a tile")
    v = _s._need(value, "nl.store's value")
    if mask is not None or getattr(t, "_arange_key", None):
        return _masked_store(t, v, mask)
    if tuple(n for n in v.shape if n != 1) != tuple(n for n in t.shape if n != 1):
        _s._fail(f"nl.store: a tile of shape {list(v.shape)} does not fit a destination of shape {list(t.shape)}")
    _s._trace().emit(f"store({t.text()}, {v.text()})", "nl.store")


# Masked accesses: the index expression is on the tensor, the mask in the
# call. Tensor.__getitem__ with nl.arange indices records the key so that
# load/store can narrow it.

def _masked_load(t: Tensor, mask, d: str, dt: str) -> Tensor:
    key = getattr(t, "_arange_key", None)
    if key is None:
        _s._fail("nl.load: mask= needs the source indexed with nl.arange expressions (a[i_p, i_f])")
    base, k = key
    full, _ = _s._view(base, k, None, check=False)
    part, narrowed = _s._view(base, k, mask)
    if not narrowed:
        return _s._new_tile(f"load({part.text()}{dt})", part.shape, d, "sbuf", "nl.load")
    res = _create(full.shape, d, sbuf, 0, "nl.load")
    region = _region(full, part)
    _s._trace().emit(f"{res.name}[{region}] = load({part.text()}{dt})", "nl.load")
    return res


def _masked_store(t: Tensor, v: Tensor, mask) -> None:
    key = getattr(t, "_arange_key", None)
    if key is None:
        _s._fail("nl.store: mask= needs the destination indexed with nl.arange expressions (a[i_p, i_f])")
    base, k = key
    full, _ = _s._view(base, k, None, check=False)
    part, narrowed = _s._view(base, k, mask)
    if not narrowed:  # nl.arange indices and no mask that cuts them: a plain store (or a scatter)
        if tuple(n for n in v.shape if n != 1) != tuple(n for n in part.shape if n != 1):
            _s._fail(f"nl.store: a tile of shape {list(v.shape)} does not fit a destination of shape "
                     f"{list(part.shape)}")
        _s._trace().emit(f"store({part.text()}, {v.text()})", "nl.store")
        return
    if tuple(v.shape) != tuple(full.shape):
        _s._fail(f"nl.store: a tile of shape {list(v.shape)} does not fit a destination of shape "
                 f"{list(full.shape)}")
    region = _region(full, part)
    src, _ = _s._view(v, tuple(_slices(region)), None)
    _s._trace().emit(f"store({part.text()}, {src.text()})", "nl.store")


def _region(full: Tensor, part: Tensor) -> str:
    """The positions `part` covers within `full`, both views of one root, as 'a:b, ...'."""
    out = []
    for (s0, st0, c0, k0), (s1, st1, c1, k1) in zip(full.dims, part.dims):
        if isinstance(s0, Tensor) or isinstance(s1, Tensor):
            _s._unsupported("a mask on a view indexed by a run-time index (gather or scatter)",
                            "size the index tile to the rows you move")
        if not k0:
            continue
        off = (s1 - s0) // st0
        out.append(f"{off}:{off + c1}")
    return ", ".join(out)


def _slices(region: str):
    for r in region.split(", "):
        a, b = r.split(":")
        yield slice(int(a), int(b))


def _getitem(self: Tensor, key: Any) -> Tensor:
    keys = key if isinstance(key, tuple) else (key,)
    if any(isinstance(k, IndexExpr) and k.terms for k in keys):
        # nl.arange indices may reach past the tensor where a mask will cut
        # them: load/store recompute the view with the mask, and check it.
        view, _ = _s._view(self, key, None, check=False)
        view._arange_key = (self, key)
        return view
    return _s._view(self, key, None)[0]


Tensor.__getitem__ = _getitem  # type: ignore[assignment]


def copy(x, dtype=None, **kwargs):
    return _s._unary("copy", x, dtype)


def load_transpose2d(src, dtype=None, **kwargs):
    return transpose(load(src, dtype=dtype))


# ---- arithmetic -------------------------------------------------------------------

def _bin(name):
    def f(x, y, dtype=None, mask=None, **kwargs):
        if mask is not None:
            _s._unsupported(f"mask= on nl.{name}")
        return _s._binary(name, x, y, f"nl.{name}", dtype)
    f.__name__ = name
    return f


add = _bin("add")
subtract = _bin("subtract")
multiply = _bin("multiply")
divide = _bin("divide")
maximum = _bin("maximum")
minimum = _bin("minimum")
equal = _bin("equal")
not_equal = _bin("not_equal")
less = _bin("less")
less_equal = _bin("less_equal")
greater = _bin("greater")
greater_equal = _bin("greater_equal")
logical_and = _bin("logical_and")  # NKI: 1 / 0 over x != 0 and y != 0 (the ALU's logical ops)
logical_or = _bin("logical_or")
logical_xor = _bin("logical_xor")


def _un(name):
    def f(x, dtype=None, mask=None, **kwargs):
        if mask is not None:
            _s._unsupported(f"mask= on nl.{name}")
        return _s._unary(name, x, dtype)
    f.__name__ = name
    return f


exp = _un("exp")
log = _un("log")
reciprocal = _un("reciprocal")
tanh = _un("tanh")
sigmoid = _un("sigmoid")
gelu = _un("gelu")
silu = _un("silu")
relu = _un("relu")
sqrt = _un("sqrt")
rsqrt = _un("rsqrt")
square = _un("square")
abs = _un("abs")  # noqa: A001 - NKI's name
# NKI 2.26's other activation functions (nki.isa, activation): gelu is the
# erf form, gelu_apprx_tanh the tanh approximation (docs/isa.md).
gelu_apprx_tanh = _un("gelu_apprx_tanh")
gelu_apprx_sigmoid = _un("gelu_apprx_sigmoid")
gelu_dx = _un("gelu_dx")
silu_dx = _un("silu_dx")
softplus = _un("softplus")
mish = _un("mish")
erf = _un("erf")
erf_dx = _un("erf_dx")
sin = _un("sin")
arctan = _un("arctan")
sign = _un("sign")


def negative(x, dtype=None, **kwargs):
    return _s._binary("multiply", x, -1.0, "nl.negative", dtype)


def where(condition, x, y, dtype=None, **kwargs):
    c = _s._need(condition, "nl.where's condition")
    xs, xt = _s._operand(x, "x")
    ys, yt = _s._operand(y, "y")
    shape = c.shape
    natural = None
    for t in (xt, yt):
        if t is not None:
            shape = _s._broadcast(shape, t.shape)
            natural = t.tile_dtype if natural is None else _s._promote(natural, t.tile_dtype)
    expr, d = _s._with_dtype(f"where({c.text()}, {xs}, {ys})", dtype, natural or "f32")
    return _s._new_tile(expr, shape, d, "sbuf", "nl.where")


# ---- reductions --------------------------------------------------------------------

def sum(x, axis, dtype=None, keepdims=False, mask=None, **kwargs):  # noqa: A001
    return _s._reduce("sum", x, axis, dtype, keepdims)


def max(x, axis, dtype=None, keepdims=False, mask=None, **kwargs):  # noqa: A001
    return _s._reduce("max", x, axis, dtype, keepdims)


def min(x, axis, dtype=None, keepdims=False, mask=None, **kwargs):  # noqa: A001
    return _s._reduce("min", x, axis, dtype, keepdims)


def mean(x, axis, dtype=None, keepdims=False, **kwargs):
    t = _s._need(x, "nl.mean's input")
    n = 1
    for a in _s._axes(t, axis, "mean"):
        n *= t.shape[a]
    return _s._binary("multiply", _s._reduce("sum", x, axis, None, keepdims), 1.0 / n, "nl.mean", dtype)


def var(x, axis, dtype=None, keepdims=False, **kwargs):
    m = mean(x, axis, keepdims=True)
    dev = _s._binary("subtract", x, m, "nl.var")
    return mean(_s._binary("multiply", dev, dev, "nl.var"), axis, dtype=dtype, keepdims=keepdims)


def softmax(x, axis=-1, dtype=None, **kwargs):
    m = max(x, axis, keepdims=True)
    e = exp(_s._binary("subtract", x, m, "nl.softmax"))
    return _s._binary("divide", e, sum(e, axis, keepdims=True), "nl.softmax", dtype)


# ---- Tensor engine -------------------------------------------------------------------

def matmul(x, y, transpose_x=False, mask=None, **kwargs):
    a = _s._need(x, "nl.matmul's x")
    b = _s._need(y, "nl.matmul's y")
    if len(a.shape) != 2 or len(b.shape) != 2:
        _s._fail(f"nl.matmul takes 2-D tiles, not {list(a.shape)} and {list(b.shape)}")
    k_x, m = (a.shape[0], a.shape[1]) if transpose_x else (a.shape[1], a.shape[0])
    if k_x != b.shape[0]:
        _s._fail(f"nl.matmul: contraction sizes differ ({k_x} vs {b.shape[0]}) for x {list(a.shape)}"
                 f"{' (transposed)' if transpose_x else ''} and y {list(b.shape)}")
    tx = ", transpose_x=true" if transpose_x else ""
    return _s._new_tile(f"matmul({a.text()}, {b.text()}{tx})", (m, b.shape[1]), "f32", "sbuf", "nl.matmul")


def transpose(x, dtype=None, mask=None, **kwargs):
    t = _s._need(x, "nl.transpose's input")
    if len(t.shape) != 2:
        _s._fail(f"nl.transpose takes a 2-D tile, not {list(t.shape)}")
    expr, d = _s._with_dtype(f"transpose({t.text()})", dtype, t.tile_dtype)
    return _s._new_tile(expr, (t.shape[1], t.shape[0]), d, "sbuf", "nl.transpose")


def broadcast_to(x, shape, dtype=None, **kwargs):
    t = _s._need(x, "nl.broadcast_to's input")
    shape = _shape(shape)
    _s._broadcast(t.shape, shape)
    z = _create(shape, dtype or t.dtype, sbuf, 0, "nl.broadcast_to")
    return _s._binary("add", z, t, "nl.broadcast_to", dtype)


def device_print(*args, **kwargs):
    _s._unsupported("nl.device_print")


def __getattr__(name: str):
    # Any other public name (NKI's cos, rms_norm, dynamic_range, ...) is
    # an error at the calling line, not an AttributeError deep in a trace.
    if not name.startswith("_"):
        _s._unsupported(f"nl.{name}")
    raise AttributeError(name)
