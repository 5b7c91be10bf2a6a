"""Kernels written for a logical NeuronCore of two physical cores (LNC=2),
as NKI's "Using Logical NeuronCores" page writes them: the launch
`kernel[2](...)` runs the kernel once per physical core, nl.program_id(0)
says which, nl.num_programs() how many."""
import nki
import nki.isa as nisa
import nki.language as nl


@nki.jit
def lnc_reciprocal(input):
    # the LNC page's example: two [128, F] tiles, one per core when there are two
    assert input.shape[0] == 2
    in_tile = nl.ndarray(input.shape[1:], input.dtype, buffer=nl.sbuf)
    out_tile = nl.ndarray(input.shape[1:], input.dtype, buffer=nl.sbuf)
    output = nl.ndarray(input.shape, input.dtype, buffer=nl.shared_hbm)
    if nl.num_programs() == 1:
        for i in range(2):
            nisa.dma_copy(dst=in_tile, src=input[i])
            nisa.reciprocal(dst=out_tile, data=in_tile)
            nisa.dma_copy(dst=output[i], src=out_tile)
    else:
        i = nl.program_id(0)
        nisa.dma_copy(dst=in_tile, src=input[i])
        nisa.reciprocal(dst=out_tile, data=in_tile)
        nisa.dma_copy(dst=output[i], src=out_tile)
    return output


@nki.jit
def spmd_scale(a):
    # NKI's spmd_dim example: one [128, F] tile per program of a 2-D grid
    b = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    i = nl.program_id(0)
    j = nl.program_id(1)
    nl.store(b[i, j], nl.load(a[i, j]) * 2.0)
    return b


@nki.jit
def split_row_sum(x, barrier=True):
    # out[p, 0] = sum_j x[p, j], the columns split between the cores: each
    # core leaves its partial sums in a shared HBM tensor, the cores meet at
    # core_barrier (NKI 2.33's use case: both wrote disjoint parts of `part`
    # and both read all of it after), then each adds up half of the rows.
    n = nl.num_programs()
    c = nl.program_id(0)
    out = nl.ndarray((x.shape[0], 1), dtype=nl.float32, buffer=nl.shared_hbm)
    part = nl.ndarray((n, x.shape[0], 1), dtype=nl.float32, buffer=nl.shared_hbm)
    cols = x.shape[1] // n
    nl.store(part[c], nl.sum(nl.load(x[:, c * cols:(c + 1) * cols]), axis=1, keepdims=True))
    if n > 1 and barrier:
        nisa.core_barrier(part, (0, 1))
    rows = x.shape[0] // n
    acc = nl.load(part[0, c * rows:(c + 1) * rows, :])
    for i in range(1, n):
        acc = nl.add(acc, nl.load(part[i, c * rows:(c + 1) * rows, :]))
    nl.store(out[c * rows:(c + 1) * rows, :], acc)
    return out
