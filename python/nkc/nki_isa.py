"""nki.isa, as nkc.nki_sim traces it: each call is one `isa.*` op of the
.tile language, i.e. one instruction of runtime/isa.def.

Both NKI call styles are accepted: the older one that returns a new tile
(`t = nisa.nc_matmul(stationary, moving)`, neuronxcc.nki) and NKI 0.6's,
which writes a destination given first (`nisa.nc_matmul(dst, stationary,
moving)`). A call is the 0.6 style when `dst=` is given or its first
positional argument is a tile and the 0.6 signature binds. Field mapping and
what differs: docs/nki.md.
"""
from __future__ import annotations

import inspect
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from . import nki_sim as _s
from .nki_sim import IndexExpr, Predicate, Tensor


class engine:
    unknown = "unknown"
    tensor = "tensor"
    vector = "vector"
    scalar = "scalar"
    gpsimd = "gpsimd"
    activation = "scalar"
    pool = "gpsimd"


tensor_engine, vector_engine, scalar_engine, gpsimd_engine, unknown_engine = (
    engine.tensor, engine.vector, engine.scalar, engine.gpsimd, engine.unknown)


class oob_mode:
    """NKI 2.26 nki.isa.oob_mode: what an out-of-range indirect index does."""
    error, skip = 0, 1


class dge_mode:
    """NKI 2.26 nki.isa.dge_mode: who generates a DMA's descriptors."""
    none, swdge, hwdge, unknown = 0, 1, 2, 3


class reduce_cmd:
    idle, reset, reduce, reset_reduce = "idle", "reset", "reduce", "reset_reduce"


_REDUCE_CMDS = {"idle": 0, "reset": 1, "reduce": 2, "reset_reduce": 3}  # NKI 2.26 nki.isa.reduce_cmd values


def _reduce_cmd(v, what):
    """A reduce_cmd argument as nkc's reduce_cmd attribute value."""
    name = getattr(v, "name", v) if v is not None else "idle"
    if name not in _REDUCE_CMDS:
        _s._fail(f"{what}: reduce_cmd must be a nisa.reduce_cmd, not {v!r}")
    return _REDUCE_CMDS[name]


def _accumulator_fields(a, what: str, res_field: str) -> List[str]:
    """reduce_cmd (the engine's accumulator registers, NKI's enum values)
    and reduce_res (read out after the instruction) as .tile fields."""
    fields = []
    cmd = _reduce_cmd(a["reduce_cmd"], what)
    if cmd:
        fields.append(f"reduce_cmd={cmd}")
    if a["reduce_res"] is not None:
        r = _tile(a["reduce_res"], "reduce_res")
        _s._make_mutable(r, f"{what} reduce_res")
        fields.append(f"{res_field}={r.text()}")
    return fields


class nc_version:
    gen2, gen3 = "gen2", "gen3"


def get_nc_version():
    return nc_version.gen3


_ALU = {"add": "add", "subtract": "subtract", "multiply": "multiply", "divide": "divide",
        "true_divide": "divide", "maximum": "max", "max": "max", "minimum": "min", "min": "min",
        "power": "pow", "pow": "pow", "abs_max": "abs_max", "bitwise_and": "bitwise_and",
        "bitwise_or": "bitwise_or", "bitwise_xor": "bitwise_xor", "logical_and": "logical_and",
        "logical_or": "logical_or", "logical_xor": "logical_xor", "equal": "is_equal", "not_equal": "not_equal",
        "greater": "is_gt", "greater_equal": "is_ge", "less": "is_lt", "less_equal": "is_le", "bypass": "bypass",
        # NKI 2.26's one-operand ALU ops (tensor_scalar only; the operand is ignored)
        "rsqrt": "rsqrt", "reciprocal": "reciprocal", "abs": "abs", "absolute": "abs"}
_ACT = {"exp": "exp", "log": "log", "reciprocal": "reciprocal", "tanh": "tanh", "sigmoid": "sigmoid",
        "gelu": "gelu", "silu": "silu", "relu": "relu", "sqrt": "sqrt", "rsqrt": "rsqrt", "square": "square",
        "abs": "abs", "absolute": "abs", "copy": "identity", "identity": "identity", "bypass": "identity",
        "gelu_apprx_tanh": "gelu_apprx_tanh", "gelu_apprx_sigmoid": "gelu_apprx_sigmoid", "gelu_dx": "gelu_dx",
        "silu_dx": "silu_dx", "softplus": "softplus", "mish": "mish", "erf": "erf", "erf_dx": "erf_dx",
        "sin": "sin", "arctan": "arctan", "sign": "sign"}
_CMP = {">=": "is_ge", ">": "is_gt", "<=": "is_le", "<": "is_lt", "==": "is_equal", "!=": "not_equal"}


def _op_name(op: Any, table: Dict[str, str], what: str) -> str:
    name = op if isinstance(op, str) else getattr(op, "__name__", None)
    if name is None or name not in table:
        _s._unsupported(f"{what}={getattr(op, '__name__', op)!r}",
                        f"nkc's ISA table has {', '.join(sorted(set(table)))}")
    return table[name]


def _engine(e: Any) -> str:
    if e is None or e == engine.unknown:
        return ""
    name = getattr(e, "name", e)
    if name not in ("tensor", "vector", "scalar", "gpsimd"):
        _s._fail(f"engine={e!r} is not one of nisa.engine.tensor / vector / scalar / gpsimd")
    return f", engine={name}"


def _dst_style(new_sig, args, kwargs) -> bool:
    if "dst" in kwargs:
        return True
    if not args or not isinstance(args[0], Tensor):
        return False
    try:
        new_sig.bind(*args, **kwargs)
    except TypeError:
        return False
    return True


def _call(old, new, args, kwargs, name: str):
    """Binds a call to the old (returns a tile) or 0.6 (dst first) signature."""
    new_sig = inspect.signature(new)
    use_new = _dst_style(new_sig, args, kwargs)
    sig = new_sig if use_new else inspect.signature(old)
    try:
        b = sig.bind(*args, **kwargs)
    except TypeError as e:
        _s._fail(f"nisa.{name}: {e}")
    b.apply_defaults()
    return use_new, b.arguments


def _tile(x: Any, what: str) -> Tensor:
    return _s._need(x, what)


def _finish(name: str, fields: List[str], dst: Optional[Tensor], shape, dtype: str, memory: str,
            dst_type: bool = False) -> Optional[Tensor]:
    """Emits `isa.NAME(fields)`: into dst (0.6 style) or as a new tile."""
    call = f"nisa.{name}"
    if dst is not None:
        if dst.memory == "hbm":
            _s._fail(f"{call}: dst is an HBM tensor; compute engines write SBUF or PSUM")
        _s._make_mutable(dst, call)
        _s._trace().emit(f"isa.{name}(dst={dst.text()}, {', '.join(fields)})", call)
        return dst
    if dst_type:
        free = ", ".join(str(n) for n in shape[1:])
        fields = [f"dst={memory} {dtype}[{shape[0]}{' | ' + free if free else ''}]"] + fields
    return _s._new_tile(f"isa.{name}({', '.join(fields)})", shape, dtype, memory, call)


def _dtype_field(dtype: Any, natural: str) -> Tuple[List[str], str]:
    if dtype is None:
        return [], natural
    d = _s._dtype(dtype)
    return ([f"dtype={d}"] if d != natural else []), d


def _scalar(x: Any, what: str, imm: str, ap: str) -> str:
    if isinstance(x, Tensor):
        return f"{ap}={_tile(x, what).text()}"
    if _s._is_num(x):
        return f"{imm}={_s._fmt_num(x)}"
    _s._fail(f"{what} must be a number or a [P, 1] tile, not {type(x).__name__}")


def _mask(mask):
    if mask is not None:
        _s._unsupported("mask= on nki.isa calls", "index the operands instead")


# ---- Tensor engine ---------------------------------------------------------------

def nc_matmul(*args, **kwargs):
    def old(stationary, moving, is_stationary_onezero=False, is_moving_onezero=False, is_transpose=False,
            tile_position=(), tile_size=(), mask=None, **kw): ...

    def new(dst, stationary, moving, is_stationary_onezero=False, is_moving_onezero=False, is_transpose=False,
            accumulate=None, tile_position=(), tile_size=(), perf_mode=None, name=None): ...
    use_new, a = _call(old, new, args, kwargs, "nc_matmul")
    _mask(a.get("mask"))
    pos, size = tuple(a.get("tile_position") or ()), tuple(a.get("tile_size") or ())
    st, mv = _tile(a["stationary"], "stationary"), _tile(a["moving"], "moving")
    fields = [f"stationary={st.text()}", f"moving={mv.text()}"]
    if pos or size:  # PE tiling: the .tile attributes; the rules are checked by the compiler
        if len(pos) != 2 or len(size) != 2 or not all(isinstance(v, (int, np.integer)) for v in pos + size):
            _s._fail("nisa.nc_matmul: tile_position and tile_size must both be (row, column) integer pairs")
        fields += [f"tile_row={int(pos[0])}", f"tile_col={int(pos[1])}", f"tile_rows={int(size[0])}",
                   f"tile_cols={int(size[1])}"]
    # the 0/1 operand hints and the transpose hint (moving the identity): nksim checks them
    for hint in ("is_stationary_onezero", "is_moving_onezero", "is_transpose"):
        if a.get(hint):
            fields.append(f"{hint}=true")
    shape = (st.shape[1] if len(st.shape) > 1 else 1, mv.shape[1] if len(mv.shape) > 1 else 1)
    if not use_new:
        return _finish("nc_matmul", fields, None, shape, "f32", "psum")
    dst = _tile(a["dst"], "dst")
    acc = a["accumulate"]
    tr = _s._trace()
    key = dst.text()
    if acc is None:  # NKI 0.6: the first matmul into a PSUM location overwrites, later ones accumulate
        acc = key in tr.matmul_written
    tr.matmul_written.add(key)
    if acc:
        fields.append("accumulate=true")
    return _finish("nc_matmul", fields, dst, shape, "f32", "psum")


def core_barrier(data, cores, engine=None, name=None):
    """NKI 2.33's nisa.core_barrier: the two physical cores of an LNC=2 launch
    meet (each core's n-th barrier waits for the other's n-th); the compiler
    makes it a fence on its core, so HBM writes before it are seen after it."""
    tr = _s._trace()
    if tr.cores != 2:
        _s._fail("nisa.core_barrier synchronises the two physical cores of an LNC=2 launch (kernel[2](...)); "
                 "this launch runs on one core")
    t = _s._need(data, "nisa.core_barrier's data", tile=False)
    if t.memory != "hbm":
        _s._fail(f"nisa.core_barrier's data is the shared HBM tensor the cores synchronise on, not a {t.memory} tile")
    if not isinstance(cores, (tuple, list)) or [int(c) if _s._is_num(c) else c for c in cores] != [0, 1]:
        _s._fail(f"nisa.core_barrier: cores={cores!r}; only cores=(0, 1) is supported (as in NKI)")
    eng = _engine(engine) or ", engine=gpsimd"  # NKI 2.33's default engine
    _s._trace().emit(f"isa.core_barrier(data={t.root.name}, cores=[0, 1]{eng})", "nisa.core_barrier")


def nc_transpose(*args, **kwargs):
    def old(data, mask=None, dtype=None, engine=None, **kw): ...
    def new(dst, data, engine=None, name=None): ...
    use_new, a = _call(old, new, args, kwargs, "nc_transpose")
    _mask(a.get("mask"))
    t = _tile(a["data"], "data")
    eng = a.get("engine")
    fields = [f"src={t.text()}"]
    e = _engine(eng)
    if e:
        fields.append(e[2:])
    shape = (t.shape[1] if len(t.shape) > 1 else 1, t.shape[0])
    mem = "sbuf" if e == ", engine=vector" else "psum"
    res = _finish("nc_transpose", fields, _tile(a["dst"], "dst") if use_new else None, shape, t.tile_dtype, mem)
    if not use_new and a.get("dtype") is not None and _s._dtype(a["dtype"]) != t.tile_dtype:
        return _s._unary("copy", res, a["dtype"])
    return res


# ---- Scalar engine ----------------------------------------------------------------

def activation(*args, **kwargs):
    def old(op, data, bias=None, scale=1.0, reduce_op=None, reduce_res=None, reduce_cmd=None, mask=None,
            dtype=None, **kw): ...

    def new(dst, op, data, bias=None, scale=1.0, reduce_op=None, reduce_res=None, reduce_cmd=None,
            name=None): ...
    use_new, a = _call(old, new, args, kwargs, "activation")
    _mask(a.get("mask"))
    t = _tile(a["data"], "data")
    fields = [f"src={t.text()}", f"func={_op_name(a['op'], _ACT, 'op')}"]
    bias = a["bias"]
    if isinstance(bias, Tensor):
        fields.append(f"bias={_tile(bias, 'bias').text()}")
    elif _s._is_num(bias) and bias != 0:
        b = _s._new_tile(f"full(sbuf f32[{t.shape[0]} | 1], {_s._fmt_num(bias)})", (t.shape[0], 1), "f32",
                         "sbuf", "nisa.activation")
        fields.append(f"bias={b.text()}")
    elif bias is not None and not _s._is_num(bias):
        _s._fail("nisa.activation: bias must be a [P, 1] tile or a number")
    scale = a["scale"]
    if isinstance(scale, Tensor):  # a [P, 1] fp32 tile (NKI 2.26 nki.isa, activation)
        fields.append(f"scale={_tile(scale, 'scale').text()}")
    elif not _s._is_num(scale):
        _s._fail("nisa.activation: scale must be a number or a [P, 1] fp32 tile")
    elif scale != 1.0:
        fields.append(f"scale={_s._fmt_num(scale)}")
    # NKI 2.26: reduce_cmd drives the Scalar engine's accumulator registers
    # (nkc's reduce_cmd attribute, NKI's enum values); reduce_res reads them
    # out after the instruction.
    if a["reduce_op"] is not None and _op_name(a["reduce_op"], _ALU, "reduce_op") != "add":
        _s._unsupported("nisa.activation reductions other than reduce_op=nl.add", "NKI 2.26 allows only add")
    fields += _accumulator_fields(a, "nisa.activation", "reduce_dst")
    if use_new:
        return _finish("activation", fields, _tile(a["dst"], "dst"), t.shape, t.tile_dtype, "sbuf")
    extra, d = _dtype_field(a.get("dtype"), t.tile_dtype)
    return _finish("activation", fields + extra, None, t.shape, d, "sbuf")


def activation_reduce(*args, **kwargs):
    def old(op, data, reduce_op, reduce_res, bias=None, scale=1.0, mask=None, dtype=None, **kw): ...
    def new(dst, op, data, reduce_op, reduce_res, bias=None, scale=1.0, name=None): ...
    use_new, a = _call(old, new, args, kwargs, "activation_reduce")
    a = dict(a)
    a.pop("kw", None)
    a.pop("name", None)
    a["reduce_cmd"] = reduce_cmd.reset_reduce  # NKI 2.26: activation with reset_reduce
    return activation(**a)


# ---- Vector / GpSimd engines ---------------------------------------------------------

def tensor_tensor(*args, **kwargs):
    def old(data1, data2, op, mask=None, dtype=None, engine=None, **kw): ...
    def new(dst, data1, data2, op, engine=None, name=None): ...
    use_new, a = _call(old, new, args, kwargs, "tensor_tensor")
    _mask(a.get("mask"))
    x, y = _tile(a["data1"], "data1"), _tile(a["data2"], "data2")
    fields = [f"src0={x.text()}", f"src1={y.text()}", f"op={_op_name(a['op'], _ALU, 'op')}"]
    e = _engine(a.get("engine"))
    if e:
        fields.append(e[2:])
    if use_new:
        return _finish("tensor_tensor", fields, _tile(a["dst"], "dst"), x.shape, x.tile_dtype, "sbuf")
    extra, d = _dtype_field(a.get("dtype"), _s._promote(x.tile_dtype, y.tile_dtype))
    if not extra and d != x.tile_dtype:
        extra = [f"dtype={d}"]
    return _finish("tensor_tensor", fields + extra, None, x.shape, d, "sbuf")


def tensor_scalar(*args, **kwargs):
    def old(data, op0, operand0, reverse0=False, op1=None, operand1=None, reverse1=False, mask=None, dtype=None,
            engine=None, **kw): ...

    def new(dst, data, op0, operand0, reverse0=False, op1=None, operand1=None, reverse1=False, engine=None,
            name=None): ...
    use_new, a = _call(old, new, args, kwargs, "tensor_scalar")
    _mask(a.get("mask"))
    t = _tile(a["data"], "data")
    fields = [f"src={t.text()}", f"op0={_op_name(a['op0'], _ALU, 'op0')}",
              _scalar(a["operand0"], "operand0", "imm0", "scalar0")]
    if a["reverse0"]:
        fields.append("reverse0=true")
    if a["op1"] is not None:
        if a["operand1"] is None:
            _s._fail("nisa.tensor_scalar: op1 needs operand1")
        fields += [f"op1={_op_name(a['op1'], _ALU, 'op1')}", _scalar(a["operand1"], "operand1", "imm1", "scalar1")]
        if a["reverse1"]:
            fields.append("reverse1=true")
    e = _engine(a.get("engine"))
    if e:
        fields.append(e[2:])
    if use_new:
        return _finish("tensor_scalar", fields, _tile(a["dst"], "dst"), t.shape, t.tile_dtype, "sbuf")
    extra, d = _dtype_field(a.get("dtype"), t.tile_dtype)
    return _finish("tensor_scalar", fields + extra, None, t.shape, d, "sbuf")


def tensor_reduce(*args, **kwargs):
    def old(op, data, axis, mask=None, dtype=None, negate=False, keepdims=False, **kw): ...
    def new(dst, op, data, axis, negate=False, keepdims=False, name=None): ...
    use_new, a = _call(old, new, args, kwargs, "tensor_reduce")
    _mask(a.get("mask"))
    t = _tile(a["data"], "data")
    axes = _s._axes(t, a["axis"], "tensor_reduce")
    bits = 0
    for ax in axes:
        bits |= 1 << (len(t.shape) - 1 - ax)
    shape = [1 if i in axes else n for i, n in enumerate(t.shape)]
    if not a["keepdims"]:
        shape = [n for i, n in enumerate(t.shape) if i not in axes]
    fields = [f"src={t.text()}", f"op={_op_name(a['op'], _ALU, 'op')}", f"axes={bits}"]
    if a["negate"]:  # NKI 2.26: -1 x the fp32 result, at no cost (isa.tensor_reduce negate=true)
        fields.append("negate=true")
    if use_new:
        return _finish("tensor_reduce", fields, _tile(a["dst"], "dst"), tuple(shape), t.tile_dtype, "sbuf")
    d = _s._dtype(a["dtype"]) if a.get("dtype") is not None else t.tile_dtype
    return _finish("tensor_reduce", fields, None, tuple(shape), d, "sbuf", dst_type=True)


def tensor_copy(*args, **kwargs):
    def old(src, mask=None, dtype=None, engine=None, **kw): ...
    def new(dst, src, engine=None, name=None): ...
    use_new, a = _call(old, new, args, kwargs, "tensor_copy")
    _mask(a.get("mask"))
    t = _tile(a["src"], "src")
    fields = [f"src={t.text()}"]
    e = _engine(a.get("engine"))
    if e:
        fields.append(e[2:])
    if use_new:
        return _finish("tensor_copy", fields, _tile(a["dst"], "dst"), t.shape, t.tile_dtype, "sbuf")
    extra, d = _dtype_field(a.get("dtype"), t.tile_dtype)
    return _finish("tensor_copy", fields + extra, None, t.shape, d, "sbuf")


def reciprocal(*args, **kwargs):
    def old(data, mask=None, dtype=None, **kw): ...
    def new(dst, data, name=None): ...
    use_new, a = _call(old, new, args, kwargs, "reciprocal")
    _mask(a.get("mask"))
    t = _tile(a["data"], "data")
    if use_new:
        return _finish("reciprocal", [f"src={t.text()}"], _tile(a["dst"], "dst"), t.shape, t.tile_dtype, "sbuf")
    extra, d = _dtype_field(a.get("dtype"), t.tile_dtype)
    return _finish("reciprocal", [f"src={t.text()}"] + extra, None, t.shape, d, "sbuf")


def _stats(name: str, width: int, field: str):
    def op(*args, **kwargs):
        def old(data, mask=None, dtype=None, **kw): ...
        def new(dst, data, name=None): ...
        use_new, a = _call(old, new, args, kwargs, name)
        _mask(a.get("mask"))
        t = _tile(a["data"], "data")
        dt = t.tile_dtype if t.tile_dtype in ("f32", "bf16", "f16") else "f32"
        return _finish(name, [f"{field}={t.text()}"], _tile(a["dst"], "dst") if use_new else None,
                       (t.shape[0], width), dt, "sbuf")
    op.__name__ = name
    return op


bn_stats = _stats("bn_stats", 6, "src")
bn_aggr = _stats("bn_aggr", 2, "src")


def max8(*args, **kwargs):
    def old(src, mask=None, dtype=None, **kw): ...
    def new(dst, src, name=None): ...
    use_new, a = _call(old, new, args, kwargs, "max8")
    t = _tile(a["src"], "src")
    return _finish("max8", [f"src={t.text()}"], _tile(a["dst"], "dst") if use_new else None, (t.shape[0], 8),
                   t.tile_dtype, "sbuf")


def nc_find_index8(*args, **kwargs):
    def old(data, vals, mask=None, dtype=None, **kw): ...
    def new(dst, data, vals, name=None): ...
    use_new, a = _call(old, new, args, kwargs, "nc_find_index8")
    t, v = _tile(a["data"], "data"), _tile(a["vals"], "vals")
    if use_new:
        return _finish("nc_find_index8", [f"data={t.text()}", f"vals={v.text()}"], _tile(a["dst"], "dst"),
                       (t.shape[0], 8), "u32", "sbuf")
    extra, d = _dtype_field(a.get("dtype"), "u32")  # NKI 2.26: uint16 or uint32, default uint32
    return _finish("nc_find_index8", [f"data={t.text()}", f"vals={v.text()}"] + extra, None, (t.shape[0], 8), d,
                   "sbuf")


# ---- fills and index patterns ----------------------------------------------------------

def memset(*args, **kwargs):
    def old(shape, value, dtype, mask=None, engine=None, **kw): ...
    def new(dst, value, engine=None, name=None): ...
    use_new, a = _call(old, new, args, kwargs, "memset")
    if not _s._is_num(a["value"]):
        _s._fail("nisa.memset: value must be a number")
    if use_new:
        dst = _tile(a["dst"], "dst")
        return _finish("memset", [f"value={_s._fmt_num(float(a['value']))}"], dst, dst.shape, dst.tile_dtype,
                       dst.memory)
    _mask(a.get("mask"))
    from .nki_language import full
    return full(a["shape"], a["value"], a["dtype"])


def _pattern(pattern, what: str) -> List[Tuple[int, int]]:
    """A 0.6 access pattern [[step, num], ...] (one pair per free dimension) -> [(step, num), ...]."""
    try:
        pairs = [(int(step), int(num)) for step, num in (tuple(p) for p in pattern)]
    except (TypeError, ValueError):
        pairs = []
    if not 1 <= len(pairs) <= 4:
        _s._unsupported(f"{what} pattern {pattern!r}", "one to four free dimensions, [[step, num], ...]")
    return pairs


def _pattern_steps(pairs: List[Tuple[int, int]], shape, what: str) -> List[str]:
    """free_stepK fields (NKI 2.26 nki.isa, iota / affine_select: a coefficient per free axis) for a
    pattern over a tile of `shape`: one pair per free axis; one pair over several axes steps over
    the flat free index."""
    free = list(shape[1:])
    if len(pairs) == len(free):
        steps = [step for step, _ in pairs]
    elif len(pairs) == 1:
        steps, inner = [0] * len(free), 1
        for k in reversed(range(len(free))):
            steps[k], inner = pairs[0][0] * inner, inner * int(free[k])
    else:
        _s._unsupported(f"{what}: a pattern of {len(pairs)} dims over a tile of {len(free)} free axes",
                        "one [step, num] pair per free axis, or one for the flat free index")
    return [f"free_step{k + 1}={c}" for k, c in enumerate(steps) if c != 0]


def _affine(expr: IndexExpr) -> Tuple[int, int, List[int], int, Tuple[int, ...]]:
    """An nl.arange expression over (partition, free axes...) -> (base, p_step, [step per free axis],
    P, free shape). NKI's iota / affine_select expressions take a coefficient per axis (NKI 2.26)."""
    ndims = {nd for (_, nd) in (expr.layout.get(v, (0, 1)) for v in expr.terms)}
    ndim = max(ndims) if ndims else 2
    if len(ndims - {1}) > 1 or ndim > 5:
        _s._unsupported("an index pattern whose nl.arange variables disagree on the number of axes, "
                        "or with more than four free axes")
    base, p_step, P = expr.const, 0, 1
    steps, free = [0] * (ndim - 1), [1] * (ndim - 1)
    for v, c in expr.terms.items():
        pos, nd = expr.layout.get(v, (0, 1))
        if nd == 1 and pos != 0:
            _s._unsupported("an un-broadcast nl.arange on a free axis (write nl.arange(n)[None, :])")
        if pos == 0:
            p_step, P = c, v.size
        else:
            steps[pos - 1], free[pos - 1] = c, v.size
    return base, p_step, steps, P, tuple(free)


def _steps_fields(steps: List[int]) -> List[str]:
    return [f"free_step{k + 1}={c}" for k, c in enumerate(steps) if c != 0]


def iota(*args, **kwargs):
    def old(expr, dtype, mask=None, **kw): ...
    def new(dst, pattern, offset=0, channel_multiplier=0, name=None): ...
    use_new, a = _call(old, new, args, kwargs, "iota")
    if use_new:
        dst = _tile(a["dst"], "dst")
        steps = _pattern_steps(_pattern(a["pattern"], "nisa.iota"), dst.shape, "nisa.iota")
        return _finish("iota", [f"base={int(a['offset'])}", f"partition_step={int(a['channel_multiplier'])}"] + steps,
                       dst, dst.shape, dst.tile_dtype, dst.memory)
    expr = a["expr"]
    if not isinstance(expr, IndexExpr):
        _s._fail("nisa.iota's expr must be an nl.arange expression (e.g. nl.arange(128)[:, None] * 2)")
    base, ps, steps, P, free = _affine(expr)
    d = _s._dtype(a["dtype"])
    if len(free) <= 1:  # the language's iota: one step over the free axis
        F = free[0] if free else 1
        fs = steps[0] if steps else 0
        return _s._new_tile(f"iota(sbuf {d}[{P} | {F}], base={base}, partition_step={ps}, free_step={fs})", (P, F),
                            d, "sbuf", "nisa.iota")
    # Several free axes: the ISA's iota, a coefficient per axis.
    return _finish("iota", [f"base={base}", f"partition_step={ps}"] + _steps_fields(steps), None, (P,) + free, d,
                   "sbuf", dst_type=True)


def affine_select(*args, **kwargs):
    def old(pred, on_true_tile, on_false_value, mask=None, dtype=None, **kw): ...
    def new(dst, pattern, channel_multiplier, on_true_tile, on_false_value, cmp_op="equal", offset=0,
            name=None): ...
    use_new, a = _call(old, new, args, kwargs, "affine_select")
    t = _tile(a["on_true_tile"], "on_true_tile")
    fill = a["on_false_value"]
    if not _s._is_num(fill):
        _s._fail("nisa.affine_select: on_false_value must be a number")
    if use_new:
        dst = _tile(a["dst"], "dst")
        steps = _pattern_steps(_pattern(a["pattern"], "nisa.affine_select"), dst.shape, "nisa.affine_select")
        cmp = _op_name(a["cmp_op"], _ALU, "cmp_op")
        fields = [f"src={t.text()}", f"cmp={cmp}", f"base={int(a['offset'])}",
                  f"partition_step={int(a['channel_multiplier'])}"] + steps + [f"fill={_s._fmt_num(float(fill))}"]
        return _finish("affine_select", fields, dst, t.shape, t.tile_dtype, "sbuf")
    pred = a["pred"]
    if not isinstance(pred, Predicate) or len(pred.conds) != 1:
        _s._fail("nisa.affine_select's pred must be one comparison of nl.arange expressions (e.g. i_p - i_f >= 0)")
    expr, op = pred.conds[0]
    base, ps, steps, P, free = _affine(expr)
    if len(steps) > 1 and len(steps) != len(t.shape) - 1:
        _s._unsupported(f"nisa.affine_select: a predicate over {len(steps)} free axes on a tile of "
                        f"{len(t.shape) - 1}", "one nl.arange per free axis of on_true_tile")
    fields = [f"src={t.text()}", f"cmp={_CMP[op]}", f"base={base}", f"partition_step={ps}"]
    if len(steps) == 1 and len(t.shape) > 2:  # one free index over several axes: the flat index
        fields += _pattern_steps([(steps[0], free[0])], t.shape, "nisa.affine_select")
    else:
        fields += _steps_fields(steps)
    fields.append(f"fill={_s._fmt_num(float(fill))}")
    extra, d = _dtype_field(a.get("dtype"), t.tile_dtype)
    return _finish("affine_select", fields + extra, None, t.shape, d, "sbuf")


def dma_copy(*args, **kwargs):
    def new(dst, src, mask=None, dst_rmw_op=None, oob_mode=None, dge_mode=None, priority=None, engine=None,
            name=None): ...
    b = inspect.signature(new).bind(*args, **kwargs).arguments
    src, dst = _s._need(b["src"], "src", tile=False), _s._need(b["dst"], "dst", tile=False)
    _mask(b.get("mask"))
    # NKI 2.26 nki.isa.dma_copy: "Both src and dst tiles can be in device
    # memory (HBM) or SBUF"; a PSUM tile is copied to SBUF first.
    for name, t in (("src", src), ("dst", dst)):
        if t.memory == "psum":
            _s._fail(f"nisa.dma_copy {name} is in PSUM; DMA reads and writes HBM or SBUF (NKI: dma_copy's src and "
                     "dst are in HBM or SBUF): copy the PSUM tile to SBUF first (nisa.tensor_copy)")
    # NKI 2.26 nki.isa.dma_copy: dst_rmw_op=np.add (dst += src; add is the
    # only one) and oob_mode.skip (an out-of-range index skips its
    # transfer): nkc's dma_copy attributes of the same names.
    fields = []
    if b.get("dst_rmw_op") is not None:
        if _op_name(b["dst_rmw_op"], _ALU, "dst_rmw_op") != "add":
            _s._unsupported(f"nisa.dma_copy dst_rmw_op={getattr(b['dst_rmw_op'], '__name__', b['dst_rmw_op'])}",
                            "NKI 2.26 supports np.add only")
        fields.append("dst_rmw_op=add")
    if b.get("oob_mode") is not None and int(b["oob_mode"]) == oob_mode.skip:
        fields.append("oob_mode=1")
    if b.get("dge_mode") is not None and int(b["dge_mode"]) != dge_mode.unknown:
        fields.append(f"dge_mode={int(b['dge_mode'])}")  # the compiler checks it (hwdge: trn2 only)
    if fields:
        if dst.memory == "hbm" and _s._is_param(dst.root):
            _s._fail(f"nisa.dma_copy into kernel input '{dst.root.name}': NKI kernels write only the tensors "
                     "they create")
        if dst.memory != "hbm":
            _s._make_mutable(dst, "nisa.dma_copy")
        _s._trace().emit(f"isa.dma_copy(dst={dst.text()}, src={src.text()}, {', '.join(fields)})", "nisa.dma_copy")
        return dst
    if dst.memory == "hbm":
        from .nki_language import store
        return store(dst, src)
    if src.memory == "hbm":
        from .nki_language import load
        _s._assign(dst, load(src), "nisa.dma_copy")
        return dst
    _s._assign(dst, src, "nisa.dma_copy")
    return dst


# NKI 2.26 nki.isa.dma_transpose: one permutation per rank.
_DMA_TRANSPOSE_AXES = {2: (1, 0), 3: (2, 1, 0), 4: (3, 1, 2, 0)}


def dma_transpose(*args, **kwargs):
    """`isa.dma_transpose(src=..., axes=[...])`: from HBM one dma_copy whose
    source pattern walks src's dims in the axes' order, from SBUF one dma_copy
    per source partition (no opcode of its own; docs/language.md). src is an
    HBM tensor or view or an SBUF tile (NKI 2.26: "HBM or SBUF"); the 0.6
    style (dst first) assigns the new tile to dst, which adds a copy."""
    def old(src, axes=None, mask=None, dtype=None, dge_mode=None, **kw): ...
    def new(dst, src, axes=None, dge_mode=None, name=None): ...
    use_new, a = _call(old, new, args, kwargs, "dma_transpose")
    _mask(a.get("mask"))
    src = _s._need(a["src"], "src", tile=False)
    if src.memory == "psum":
        _s._fail("nisa.dma_transpose src is in PSUM; NKI's dma_transpose reads a tile in HBM or SBUF: copy it to "
                 "SBUF first (nisa.tensor_copy)")
    want = _DMA_TRANSPOSE_AXES.get(len(src.shape))
    if want is None:
        _s._fail(f"nisa.dma_transpose transposes a 2-, 3- or 4-d tensor, not shape {list(src.shape)}")
    if a.get("axes") is not None and tuple(int(x) for x in a["axes"]) != want:
        _s._fail(f"nisa.dma_transpose axes={tuple(a['axes'])} for a {len(src.shape)}-d src: NKI supports "
                 f"{want} only (one permutation per rank)")
    fields = [f"src={src.text()}", f"axes=[{', '.join(map(str, want))}]"]
    dt = src.tile_dtype
    if not use_new and a.get("dtype") is not None:
        more, dt = _dtype_field(a["dtype"], src.tile_dtype)
        fields += more
    if a.get("dge_mode") is not None and int(a["dge_mode"]) != dge_mode.unknown:
        fields.append(f"dge_mode={int(a['dge_mode'])}")  # the compiler checks it (hwdge: trn2 only)
    shape = tuple(src.shape[k] for k in want)
    res = _s._new_tile(f"isa.dma_transpose({', '.join(fields)})", shape, dt, "sbuf", "nisa.dma_transpose")
    if use_new:
        dst = _tile(a["dst"], "dst")
        _s._assign(dst, res, "nisa.dma_transpose")
        return dst
    return res


def tensor_tensor_scan(*args, **kwargs):
    def old(data0, data1, initial, op0, op1, reverse0=False, reverse1=False, dtype=None, mask=None, **kw): ...
    def new(dst, data0, data1, initial, op0, op1, reverse0=False, reverse1=False, name=None): ...
    use_new, a = _call(old, new, args, kwargs, "tensor_tensor_scan")
    _mask(a.get("mask"))
    x, y = _tile(a["data0"], "data0"), _tile(a["data1"], "data1")
    fields = [f"data0={x.text()}", f"data1={y.text()}", _scalar(a["initial"], "initial", "initial_imm", "initial"),
              f"op0={_op_name(a['op0'], _ALU, 'op0')}", f"op1={_op_name(a['op1'], _ALU, 'op1')}"]
    fields += [f"{r}=true" for r in ("reverse0", "reverse1") if a[r]]
    d = _s._promote(x.tile_dtype, y.tile_dtype)
    return _finish("tensor_tensor_scan", fields, _tile(a["dst"], "dst") if use_new else None, x.shape, d, "sbuf")


def scalar_tensor_tensor(*args, **kwargs):
    def old(data, op0, operand0, op1, operand1, reverse0=False, reverse1=False, dtype=None, mask=None, **kw): ...
    def new(dst, data, op0, operand0, op1, operand1, reverse0=False, reverse1=False, name=None): ...
    use_new, a = _call(old, new, args, kwargs, "scalar_tensor_tensor")
    _mask(a.get("mask"))
    t = _tile(a["data"], "data")
    fields = [f"data={t.text()}", f"op0={_op_name(a['op0'], _ALU, 'op0')}",
              _scalar(a["operand0"], "operand0", "imm0", "operand0"),
              f"op1={_op_name(a['op1'], _ALU, 'op1')}", f"operand1={_tile(a['operand1'], 'operand1').text()}"]
    fields += [f"{r}=true" for r in ("reverse0", "reverse1") if a[r]]
    return _finish("scalar_tensor_tensor", fields, _tile(a["dst"], "dst") if use_new else None, t.shape,
                   t.tile_dtype, "sbuf")


def tensor_partition_reduce(*args, **kwargs):
    def old(op, data, mask=None, dtype=None, **kw): ...
    def new(dst, op, data, name=None): ...
    use_new, a = _call(old, new, args, kwargs, "tensor_partition_reduce")
    _mask(a.get("mask"))
    t = _tile(a["data"], "data")
    return _finish("tensor_partition_reduce", [f"data={t.text()}", f"op={_op_name(a['op'], _ALU, 'op')}"],
                   _tile(a["dst"], "dst") if use_new else None, (1,) + t.shape[1:], t.tile_dtype, "sbuf")


def tensor_scalar_reduce(*args, **kwargs):
    def old(data, op0, operand0, reduce_op, reduce_res, reverse0=False, dtype=None, mask=None, **kw): ...

    def new(dst, data, op0, operand0, reduce_op, reduce_res=None, reverse0=False, reduce_cmd=None, reduce_init=None,
            reduce_res_negate=False, name=None): ...
    use_new, a = _call(old, new, args, kwargs, "tensor_scalar_reduce")
    _mask(a.get("mask"))
    if use_new and (a["reduce_init"] is not None or a["reduce_res_negate"]
                    or a["reduce_cmd"] not in (None, reduce_cmd.reset_reduce, "reset_reduce")):
        _s._unsupported("nisa.tensor_scalar_reduce reduce_cmd / reduce_init / reduce_res_negate")
    if a["reduce_res"] is None:
        _s._unsupported("nisa.tensor_scalar_reduce without reduce_res")
    t = _tile(a["data"], "data")
    r = _tile(a["reduce_res"], "reduce_res")
    _s._make_mutable(r, "nisa.tensor_scalar_reduce reduce_res")
    fields = [f"src={t.text()}", f"op0={_op_name(a['op0'], _ALU, 'op0')}",
              _scalar(a["operand0"], "operand0", "imm0", "scalar0"),
              f"reduce_op={_op_name(a['reduce_op'], _ALU, 'reduce_op')}", f"reduce_dst={r.text()}"]
    if a["reverse0"]:
        fields.append("reverse0=true")
    return _finish("tensor_scalar_reduce", fields, _tile(a["dst"], "dst") if use_new else None, t.shape,
                   t.tile_dtype, "sbuf")


def nc_match_replace8(*args, **kwargs):
    def old(data, vals, imm, dst_idx=None, mask=None, dtype=None, **kw): ...
    def new(dst, data, vals, imm, dst_idx=None, name=None): ...
    use_new, a = _call(old, new, args, kwargs, "nc_match_replace8")
    _mask(a.get("mask"))
    t, v = _tile(a["data"], "data"), _tile(a["vals"], "vals")
    if not _s._is_num(a["imm"]):
        _s._fail("nisa.nc_match_replace8: imm must be a number")
    fields = [f"data={t.text()}", f"vals={v.text()}", f"imm={_s._fmt_num(float(a['imm']))}"]
    if a["dst_idx"] is not None:
        idx = _tile(a["dst_idx"], "dst_idx")
        _s._make_mutable(idx, "nisa.nc_match_replace8 dst_idx")
        fields.append(f"dst_idx={idx.text()}")
    return _finish("nc_match_replace8", fields, _tile(a["dst"], "dst") if use_new else None, t.shape,
                   t.tile_dtype, "sbuf")


def dropout(*args, **kwargs):
    def old(data, prob, mask=None, dtype=None, **kw): ...
    def new(dst, data, prob, name=None): ...
    use_new, a = _call(old, new, args, kwargs, "dropout")
    _mask(a.get("mask"))
    t = _tile(a["data"], "data")
    fields = [f"src={t.text()}", _scalar(a["prob"], "prob", "prob_imm", "prob")]
    return _finish("dropout", fields, _tile(a["dst"], "dst") if use_new else None, t.shape, t.tile_dtype, "sbuf")


def tensor_copy_predicated(*args, **kwargs):
    def new(dst, src, predicate, reverse_pred=False, mask=None, dtype=None, name=None, **kw): ...
    try:
        a = inspect.signature(new).bind(*args, **kwargs).arguments
    except TypeError as e:
        _s._fail(f"nisa.tensor_copy_predicated: {e}")
    _mask(a.get("mask"))
    dst, src, pred = _tile(a["dst"], "dst"), a["src"], _tile(a["predicate"], "predicate")
    if _s._is_num(src):
        _s._unsupported("nisa.tensor_copy_predicated with a scalar src", "give a tile")
    fields = [f"src={_tile(src, 'src').text()}", f"predicate={pred.text()}"]
    if a.get("reverse_pred"):
        fields.append("reverse_pred=true")
    return _finish("tensor_copy_predicated", fields, dst, dst.shape, dst.tile_dtype, dst.memory)


def nc_stream_shuffle(*args, **kwargs):
    """NKI 2.26 takes (src, dst, shuffle_mask, *, dtype, mask), NKI 0.6
    (dst, src, shuffle_mask, name); both write dst (rows whose entry is 255
    keep their values) and return nothing. A call that binds both ways with
    src and dst swapped (two positional tiles) is refused: give src= and
    dst= by keyword, or dtype=/mask= (2.26) or name= (0.6) to say which
    style it is. shuffle_mask is 32 Python integers (NKI also allows affine
    expressions)."""
    def old(src, dst, shuffle_mask, dtype=None, mask=None, **kw): ...

    def new(dst, src, shuffle_mask, name=None): ...
    bound, error = {}, None
    for style, sig in (("2.26", old), ("0.6", new)):
        if (style == "2.26" and "name" in kwargs) or (style == "0.6" and {"dtype", "mask"} & set(kwargs)):
            continue
        try:
            bound[style] = inspect.signature(sig).bind(*args, **kwargs).arguments
        except TypeError as e:
            error = e
    if not bound:
        _s._fail(f"nisa.nc_stream_shuffle: {error}")
    if len(bound) == 2 and bound["2.26"]["src"] is not bound["0.6"]["src"]:
        _s._fail("nisa.nc_stream_shuffle: give src= and dst= by keyword (NKI 2.26 takes (src, dst, ...), "
                 "NKI 0.6 (dst, src, ...))")
    a = next(iter(bound.values()))
    _mask(a.get("mask"))
    dst, src = _tile(a["dst"], "dst"), _tile(a["src"], "src")
    if a.get("dtype") is not None and _s._dtype(a["dtype"]) != dst.tile_dtype:
        _s._unsupported("nisa.nc_stream_shuffle dtype= other than dst's", "the shuffle moves raw elements")
    m = a["shuffle_mask"]
    if not isinstance(m, (list, tuple, np.ndarray)) or not all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in m):
        _s._unsupported("nisa.nc_stream_shuffle shuffle_mask other than a list of integers",
                        "nkc takes 32 compile-time integers, 0-31 or 255")
    if len(m) != 32:
        _s._fail(f"nisa.nc_stream_shuffle: shuffle_mask has {len(m)} entries; it needs 32")
    fields = [f"src={src.text()}", "shuffle_mask=[" + ", ".join(str(int(v)) for v in m) + "]"]
    _finish("nc_stream_shuffle", fields, dst, dst.shape, dst.tile_dtype, dst.memory)


def select_reduce(*args, **kwargs):
    """NKI 2.26's reduce_cmd drives the Vector engine's accumulator registers;
    nkc carries them in reduce_res: reset_reduce starts from -inf
    (accumulate=false), reduce continues from what reduce_res holds
    (accumulate=true), so a chain of calls keeps one reduce_res tile. idle and
    reset with reduce_res, and a reduce_cmd without it, are unsupported (their
    accumulator state is not documented or not visible)."""
    def old(predicate, on_true, on_false, reduce_res=None, reduce_cmd=None, reduce_op=None, reverse_pred=False,
            mask=None, dtype=None, **kw): ...

    def new(dst, predicate, on_true, on_false, reduce_res=None, reduce_cmd=None, reduce_op=None, reverse_pred=False,
            mask=None, dtype=None, name=None): ...
    use_new, a = _call(old, new, args, kwargs, "select_reduce")
    _mask(a.get("mask"))
    cmd = getattr(a["reduce_cmd"], "name", a["reduce_cmd"]) or reduce_cmd.idle
    pred, t = _tile(a["predicate"], "predicate"), _tile(a["on_true"], "on_true")
    fields = [f"predicate={pred.text()}", f"on_true={t.text()}",
              _scalar(a["on_false"], "on_false", "on_false_value", "on_false")]
    if a["reverse_pred"]:
        fields.append("reverse_pred=true")
    if a["reduce_op"] is not None and _op_name(a["reduce_op"], _ALU, "reduce_op") != "max":
        _s._unsupported(f"nisa.select_reduce reduce_op={a['reduce_op']!r}", "NKI 2.26 allows only max")
    if a["reduce_res"] is not None:
        if cmd not in (reduce_cmd.reset_reduce, reduce_cmd.reduce):
            _s._unsupported(f"nisa.select_reduce reduce_res with reduce_cmd={cmd!r}",
                            "use reduce_cmd.reset_reduce (or reduce to continue)")
        r = _tile(a["reduce_res"], "reduce_res")
        _s._make_mutable(r, "nisa.select_reduce reduce_res")
        fields.append(f"reduce_res={r.text()}")
        if cmd == reduce_cmd.reduce:
            fields.append("accumulate=true")
    elif cmd != reduce_cmd.idle:
        _s._unsupported(f"nisa.select_reduce reduce_cmd={cmd!r} without reduce_res")
    natural = t.tile_dtype
    extra, dt = _dtype_field(a.get("dtype"), natural) if not use_new else ([], natural)
    return _finish("select_reduce", fields + extra, _tile(a["dst"], "dst") if use_new else None, t.shape, dt, "sbuf")


def range_select(*args, **kwargs):
    def old(on_true_tile, comp_op0, comp_op1, bound0, bound1, reduce_cmd=None, reduce_res=None, reduce_op=None,
            range_start=0, on_false_value=None, mask=None, dtype=None, **kw): ...

    def new(dst, on_true_tile, comp_op0, comp_op1, bound0, bound1, reduce_cmd=None, reduce_res=None,
            reduce_op=None, range_start=0, on_false_value=None, name=None): ...
    use_new, a = _call(old, new, args, kwargs, "range_select")
    _mask(a.get("mask"))
    if a["reduce_op"] is not None and _op_name(a["reduce_op"], _ALU, "reduce_op") != "max":
        _s._unsupported(f"nisa.range_select reduce_op={a['reduce_op']!r}", "NKI 2.26 allows only max")
    t = _tile(a["on_true_tile"], "on_true_tile")
    fields = [f"on_true={t.text()}", f"bound0={_tile(a['bound0'], 'bound0').text()}",
              f"bound1={_tile(a['bound1'], 'bound1').text()}", f"cmp0={_op_name(a['comp_op0'], _ALU, 'comp_op0')}",
              f"cmp1={_op_name(a['comp_op1'], _ALU, 'comp_op1')}", f"range_start={int(a['range_start'])}"]
    fields += _accumulator_fields(a, "nisa.range_select", "reduce_res")
    if a["on_false_value"] is not None:
        fields.append(f"on_false_value={_s._fmt_num(float(a['on_false_value']))}")
    return _finish("range_select", fields, _tile(a["dst"], "dst") if use_new else None, t.shape, t.tile_dtype,
                   "sbuf")


def __getattr__(name: str):
    if not name.startswith("_"):
        _s._unsupported(f"nisa.{name}")
    raise AttributeError(name)


_unused = (np, Optional)
