#!/usr/bin/python3
"""Tests of the Python package `nkc` (python/), run by ctest (python.nkc)
with PYTHONPATH pointing at build/python. Each test asserts against NumPy or
against what the command-line tools produce for the same program."""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from runner import run_tests  # noqa: E402

import nkc

SRC = os.environ["NK_SOURCE_DIR"]
BIN = os.environ["NK_BIN_DIR"]
KERNELS = os.path.join(SRC, "kernels")


def gqa_numpy(q, k, v):
    d, n_q = q.shape
    n_kv = k.shape[0]
    out = np.zeros((n_q, d))
    for h in range(n_q):
        kv = h // (n_q // n_kv)
        logits = (k[kv].T.astype(np.float64) @ q[:, h].astype(np.float64)) / np.sqrt(d)
        e = np.exp(logits - logits.max())
        out[h] = (e / e.sum()) @ v[kv].T.astype(np.float64)
    return out


def test_numpy_in_numpy_out():
    p = nkc.compile(os.path.join(KERNELS, "decode_attention_gqa.tile"), sizes={"s": 700, "n_q": 8, "n_kv": 2})
    assert p.kernel == "decode_attention_gqa" and p.target == "trn2"
    assert p.inputs == {"q": ("f32", (128, 8)), "k": ("f32", (2, 128, 700)), "v": ("f32", (2, 128, 700))}
    assert p.outputs == {"out": ("f32", (8, 128))}
    rng = np.random.default_rng(1)
    q = (rng.standard_normal((128, 8)) * 3).astype(np.float32)
    k = rng.standard_normal((2, 128, 700)).astype(np.float32)
    v = rng.standard_normal((2, 128, 700)).astype(np.float32)
    r = p.run({"q": q, "k": k, "v": v})
    out = r.outputs["out"]
    assert out.dtype == np.float32 and out.shape == (8, 128)
    c = nkc.compare(out, gqa_numpy(q, k, v))
    assert c.passed, str(c)
    assert str(c).startswith("check out: PASS")
    assert r.stats["total_ns"] > 0 and r.warnings == []
    # A wrong reference fails the same comparison.
    assert not nkc.compare(out, gqa_numpy(q * 1.1, k, v))


def test_stats_match_the_command_line():
    path = os.path.join(KERNELS, "decode_attention_gqa.tile")
    r = nkc.compile(path, sizes={"s": 512}).run(random_seed=3)
    cli = subprocess.run([os.path.join(BIN, "nksim"), "run", path, "-D", "s=512", "--random-inputs=3",
                          "--stats-json", "-"], capture_output=True, text=True, check=True)
    assert json.loads(cli.stdout) == r.stats


def test_threads_give_the_same_bytes():
    # threads=2: large random tile loads on a second host thread; the values
    # and the timing are the same as one thread's.
    p = nkc.compile(os.path.join(KERNELS, "decode_attention_gqa.tile"), sizes={"n_q": 8, "n_kv": 2, "s": 2048})
    one, two = p.run(random_seed=4, threads=1), p.run(random_seed=4, threads=2)
    assert one.outputs["out"].tobytes() == two.outputs["out"].tobytes()
    assert one.stats == two.stats
    # The host's wall time by phase, as nksim --time-report: not in the stats.
    assert set(one.host_seconds) == {"verify", "validate", "simulate"}
    assert all(v >= 0 for v in one.host_seconds.values()) and one.host_seconds["simulate"] > 0
    assert not any("host" in k for k in one.stats)
    try:
        p.run(random_seed=4, threads=-1)
        raise AssertionError("threads=-1 was accepted")
    except nkc.Error as e:
        assert "threads must be a non-negative integer" in str(e)


def test_check_with_the_registered_reference():
    r = nkc.compile(os.path.join(KERNELS, "decode_attention_gqa_bf16.tile"), sizes={"s": 300}).run(
        random_seed=5, check=True)
    assert r.check_passed is True
    assert r.check_lines[0].startswith("check out: PASS") and "rtol=0.00390625" in r.check_lines[0]
    r = nkc.compile(os.path.join(KERNELS, "decode_attention.tile")).run(random_seed=5, check=True,
                                                                         tolerance=(1e-12, 0))
    assert r.check_passed is False and "FAIL" in r.check_lines[0]
    try:
        nkc.compile_source("kernel nothing(x: f32[4, 4]) -> f32[4, 4]:\n    store(out, load(x))\n").run(
            random_seed=1, check=True)
        raise AssertionError("expected an error")
    except nkc.Error as e:
        assert "no reference is registered" in str(e)


def test_bf16_inputs_three_ways():
    p = nkc.compile(os.path.join(KERNELS, "decode_attention_bf16.tile"), sizes={"s": 64})
    rng = np.random.default_rng(2)
    q = rng.standard_normal((128, 1)).astype(np.float32)
    k = rng.standard_normal((128, 64)).astype(np.float32)
    v = rng.standard_normal((128, 64)).astype(np.float32)
    from_float = p.run({"q": q, "k": k, "v": v}).outputs["out"]

    def bits(x):  # round to nearest even, as the hardware converts
        u = x.view(np.uint32).astype(np.uint64)
        return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)

    from_bits = p.run({"q": bits(q), "k": bits(k), "v": bits(v)}).outputs["out"]
    assert np.array_equal(from_float, from_bits)
    widened = lambda b: (b.astype(np.uint32) << 16).view(np.float32)
    ref = gqa_numpy(widened(bits(q)), widened(bits(k))[None], widened(bits(v))[None])
    assert nkc.compare(from_float, ref, atol=2e-3, rtol=2e-3).passed


def test_narrow_dtypes_in_and_out(tmp=None):
    """fp8 inputs as floats (rounded on the way in) or raw uint8 bits; fp8
    outputs widened to float32; a u16 input and an i16 output (NKI's
    u8 + i8 promotion)."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "k.tile")
        with open(path, "w") as f:
            f.write("kernel k(a: f8e4m3[4, 8], b: u16[4, 8]) -> f8e5m2[4, 8]:\n"
                    "    store(out, copy(load(a, dtype=f32) + load(b, dtype=f32), dtype=f8e5m2))\n")
        p = nkc.compile(path)
        a = np.array([[1.0, 1.0625, 1.1875, 240.0, 248.0, -0.0, 2 ** -9, 2 ** -10]] * 4, np.float32)
        b = np.zeros((4, 8), np.uint16)
        out = p.run({"a": a, "b": b}).outputs["out"]
        assert out.dtype == np.float32
        # e4m3 rounding (ties to even, 248 -> inf), then + 0 (-0.0 + 0 = +0.0), then e5m2 (2^-9 and
        # 1.25 are exact; 240 is the tie between 224 and 256: even, 256)
        want = np.array([1.0, 1.0, 1.25, 256.0, np.inf, 0.0, 2 ** -9, 0.0], np.float32)
        assert np.array_equal(out[0], want) and not np.signbit(out[0, 5]), out[0]
        bits = np.array([[0x38, 0x39, 0x3a, 0x77, 0x78, 0x80, 0x01, 0x00]] * 4, np.uint8)
        assert np.array_equal(p.run({"a": bits, "b": b}).outputs["out"], out)
        b[:] = 3
        assert p.run({"a": np.ones((4, 8), np.float32), "b": b}).outputs["out"][0, 0] == 4.0
        try:
            p.run({"a": np.ones((4, 8), np.int32), "b": b})
            raise AssertionError("int32 data for an fp8 input was accepted")
        except nkc.Error as e:
            assert "f8e4m3" in str(e) and "uint8 bit patterns" in str(e), str(e)


def test_tf32_in_and_out():
    """A tf32 input takes float32 values, rounded to tf32 (10-bit mantissa,
    ties to even) on the way in; a tf32 output comes back as float32."""
    p = nkc.compile_source("kernel k(a: tf32[4, 8]) -> tf32[4, 8]:\n    store(out, load(a))\n")
    one = 1.0
    a = np.array([[one, one + 2 ** -11, one + 3 * 2 ** -11, one + 2 ** -11 + 2 ** -23, -0.0, np.inf,
                   np.finfo(np.float32).max, 2 ** -149]] * 4, np.float32)
    out = p.run({"a": a}).outputs["out"]
    assert out.dtype == np.float32
    want = np.array([one, one, one + 2 ** -9, one + 2 ** -10, -0.0, np.inf, np.inf, 0.0], np.float32)
    assert np.array_equal(out[0], want) and np.signbit(out[0, 4]), out[0]


def test_integer_output():
    x = np.random.default_rng(4).standard_normal((128, 100)).astype(np.float32)
    out = nkc.compile(os.path.join(KERNELS, "top8.tile"), sizes={"m": 100}).run({"x": x}).outputs["out"]
    assert out.dtype == np.int32
    assert np.array_equal(out, np.argsort(-x, axis=1, kind="stable")[:, :8])


def test_compile_errors_carry_the_location():
    try:
        nkc.compile_source("kernel k(x: f32[4, 4]) -> f32[4, 4]:\n    store(out, load(y))\n", name="bad.tile")
        raise AssertionError("expected CompileError")
    except nkc.CompileError as e:
        assert (e.file, e.line, e.column) == ("bad.tile", 2, 21), (e.file, e.line, e.column)
        assert "use of undeclared name 'y'" in str(e) and "^" in str(e)
        assert isinstance(e, nkc.Error)
    try:
        nkc.compile(os.path.join(KERNELS, "decode_attention.tile"), sizes={"s": 1000})
        raise AssertionError("expected CompileError")
    except nkc.CompileError as e:
        assert "requirement 's <= 128' is not satisfied" in str(e) and e.line == 7
    for bad in [lambda: nkc.compile(os.path.join(KERNELS, "decode_attention.tile"), target="trn9"),
                lambda: nkc.compile(os.path.join(KERNELS, "decode_attention.tile"), sizes={"s": "64"}),
                lambda: nkc.compile(os.path.join(SRC, "no", "such.tile"))]:
        try:
            bad()
            raise AssertionError("expected nkc.Error")
        except nkc.Error:
            pass


def test_simulation_errors_are_exceptions():
    try:
        nkc.load(os.path.join(SRC, "tests", "lit", "sim", "race.s")).run(random_seed=1)
        raise AssertionError("expected SimulationError")
    except nkc.SimulationError as e:
        assert "race" in str(e)
    p = nkc.compile(os.path.join(KERNELS, "decode_attention.tile"), sizes={"s": 64})
    cases = [({"q": np.zeros((128, 2), np.float32)}, "shape"), ({"nope": np.zeros(1, np.float32)}, "no input"),
             ({"q": np.zeros((128, 1), np.float32)}, "no value for input k"),
             ({"q": np.zeros((128, 1), np.complex64)}, "cannot take")]
    for inputs, words in cases:
        try:
            p.run(inputs)
            raise AssertionError(f"expected an error for {inputs.keys()}")
        except nkc.Error as e:
            assert words in str(e), (words, str(e))


def test_inspection_timing_only_trace_and_files():
    path = os.path.join(KERNELS, "decode_attention.tile")
    p = nkc.compile(path, sizes={"s": 64}, print_after=["legalize"])
    assert "legalize" in p.dumps and "nc_matmul" in p.isa
    assert "schedule" in nkc.pass_names()
    cli_isa = subprocess.run([os.path.join(BIN, "nkc"), path, "-D", "s=64", "--emit=isa"], capture_output=True,
                             text=True, check=True).stdout
    assert p.isa == cli_isa
    t = p.run(random_seed=1, timing_only=True)
    assert t.outputs == {} and t.stats["total_ns"] == p.run(random_seed=1).stats["total_ns"]
    r = p.run(random_seed=1, trace=True)
    assert json.loads(r.trace_json)["traceEvents"]
    with tempfile.TemporaryDirectory() as d:
        r.write_trace(os.path.join(d, "t.json"))
        p.save(os.path.join(d, "p.nkp"))
        assert nkc.load(os.path.join(d, "p.nkp")).isa == p.isa
        run = subprocess.run([os.path.join(BIN, "nksim"), "run", os.path.join(d, "p.nkp"), "--random-inputs",
                              "--check"], capture_output=True, text=True)
        assert run.returncode == 0 and "PASS" in run.stdout


def test_paged_kernel_indices():
    # random_seed draws a valid block table and lengths (the reference's
    # generator), and a bad length is the reference's error before the run.
    p = nkc.compile(os.path.join(KERNELS, "decode_attention_paged.tile"), sizes={"B": 3, "max_blocks": 4})
    r = p.run(random_seed=2, check=True)
    assert r.check_passed is True
    try:
        p.run({"seq_lens": np.array([1, 2, 900], np.int32)}, random_seed=2)
        raise AssertionError("expected an error")
    except nkc.Error as e:
        assert "input 'seq_lens': sequence 2 has length 900, outside [1, 512]" in str(e)


def test_two_physical_cores():
    # The paged kernel on trn2's logical core of two (sizes as -D): each core
    # half the batch; the stats hold both cores, the reference agrees.
    p = nkc.compile(os.path.join(SRC, "kernels/decode_attention_paged.tile"), target="trn2",
                    sizes={"cores": 2, "B": 4})
    r = p.run(random_seed=1, check=True)
    assert r.check_passed is True
    assert r.stats["cores"] == 2 and len(r.stats["core_end_ns"]) == 2
    assert max(r.stats["core_end_ns"]) == r.stats["total_ns"]
    assert any(s["stream"].startswith("core1.") for s in r.stats["streams"])


def test_compare_rules():
    a = np.array([1.0, np.nan, np.inf, 0.0], np.float32)
    assert nkc.compare(a, a).passed  # NaN matches NaN, equal infinities match
    c = nkc.compare(a, np.array([1.0, 0.0, np.inf, 0.0], np.float32))
    assert not c.passed and c.num_mismatched == 1 and c.worst_index == (1,)
    try:
        nkc.compare(np.zeros(3), np.zeros(4))
        raise AssertionError("expected a shape error")
    except nkc.Error:
        pass


def main():
    return run_tests(globals())


if __name__ == "__main__":
    sys.exit(main())
