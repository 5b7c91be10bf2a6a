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
