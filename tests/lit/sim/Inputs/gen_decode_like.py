"""Writes a decode-attention-shaped ISA program (text assembly) of any size,
for testing the simulator at scale: per 128-position KV tile, two DMA loads
(K d-major, V sequence-major) into double buffers, q^T K on the Tensor
engine into PSUM, exp with a fused row sum on the Scalar engine, a Tensor
transpose of p, a PSUM->SBUF copy on the Vector engine, and p^T V
accumulated in PSUM; every hand-off is a semaphore, buffers are reused only
after their readers signal. No online-softmax rescaling: it is a workload,
not the kernel.

usage: gen_decode_like.py TILES [D] [GROUP] [--bug] > prog.s
  --bug  omit the wait that keeps a K/V buffer from being reloaded while
         the Tensor engine may still read it (a race the simulator must find)
"""
import sys

args = [a for a in sys.argv[1:] if not a.startswith("--")]
bug = "--bug" in sys.argv
tiles = int(args[0])
d = int(args[1]) if len(args) > 1 else 128
group = int(args[2]) if len(args) > 2 else 8
S = 128 * tiles
k_off = 4096                      # q at 0: f32 [d, group]
v_off = k_off + d * S * 4         # K: f32 [d, S] (d-major)
o_off = v_off + S * d * 4         # V: f32 [S, d] (sequence-major)
hbm = o_off + group * d * 4

# semaphores
LOADED = [0, 1]   # per buffer: K/V tile loaded (count = loads of that buffer)
FREE = [2, 3]     # per buffer: readers done with K/V (tensor after PV matmul)
QK = 4            # tensor -> scalar: scores in PSUM
P = 5             # scalar -> tensor: p in SBUF
PT = 6            # tensor -> vector: p^T in PSUM
PTS = 7           # vector -> tensor: p^T in SBUF
SDONE = 8         # scalar finished reading a score buffer
TDONE = 9         # tensor finished reading p (transpose done)
VDONE = 10        # tensor finished reading p^T sbuf (PV done)
QLOADED = 11

K_SB = [0, 512]                 # per-partition byte offsets (128 f32 = 512 B)
V_SB = [1024, 1536]             # [128 | d] f32
Q_SB = 2048                     # [d | group]
P_SB = [4096, 4096 + 512]       # [group | 128]
PT_SB = [5120, 5120 + 64]       # [128 | group]
L_SB = [6144, 6148]             # [group | 1] row sums
PS_S = [0, 2048]                # PSUM banks: scores [group | 128]
PS_T = [4096, 6144]             # p^T [128 | group]
PS_ACC = 8192                   # acc [group | d]

out = []
emit = out.append
emit(".kernel decode_like")
emit(".target trn2")
emit(".hbm_size %d" % hbm)
emit(".tensor q f32[%d,%d] @0 input" % (d, group))
emit(".tensor k f32[%d,%d] @%d input" % (d, S, k_off))
emit(".tensor v f32[%d,%d] @%d input" % (S, d, v_off))
emit(".tensor out f32[%d,%d] @%d output" % (group, d, o_off))

tensor, vector, scalar, dma0, dma1 = [], [], [], [], []
dma0.append("dma_copy dst=sbuf:f32[0:%d]+%d[[1,%d]] src=hbm:f32+0[[%d,%d],[1,%d]]" % (d, Q_SB, group, group, d, group))
dma0.append("sem_signal sem=%d value=1" % QLOADED)
tensor.append("sem_wait sem=%d value=1" % QLOADED)
for t in range(tiles):
    b = t % 2
    q = dma0 if b == 0 else dma1
    n_use = t // 2  # earlier uses of this buffer
    if n_use > 0 and not (bug and t == 3):
        q.append("sem_wait sem=%d value=%d" % (FREE[b], n_use))
    q.append("dma_copy dst=sbuf:f32[0:%d]+%d[[1,128]] src=hbm:f32+%d[[%d,%d],[1,128]]" % (d, K_SB[b], k_off + t * 128 * 4, S, d))
    q.append("dma_copy dst=sbuf:f32[0:128]+%d[[1,%d]] src=hbm:f32+%d[[%d,128],[1,%d]]" % (V_SB[b], d, v_off + t * 128 * d * 4, d, d))
    q.append("sem_signal sem=%d value=1" % LOADED[b])
    # tensor: scores = q^T K into PSUM bank b (after scalar read it 2 tiles ago)
    tensor.append("sem_wait sem=%d value=%d" % (LOADED[b], n_use + 1))
    if t >= 2:
        tensor.append("sem_wait sem=%d value=%d" % (SDONE, t - 1))
    tensor.append("nc_matmul dst=psum:f32[0:%d]+%d[[1,128]] stationary=sbuf:f32[0:%d]+%d[[1,%d]] moving=sbuf:f32[0:%d]+%d[[1,128]]"
                  % (group, PS_S[b], d, Q_SB, group, d, K_SB[b]))
    tensor.append("sem_signal sem=%d value=1" % QK)
    # scalar: p = exp(scores), row sums; p buffer reused after transpose read it
    scalar.append("sem_wait sem=%d value=%d" % (QK, t + 1))
    if t >= 2:
        scalar.append("sem_wait sem=%d value=%d" % (TDONE, t - 1))
    scalar.append("activation dst=sbuf:f32[0:%d]+%d[[1,128]] src=psum:f32[0:%d]+%d[[1,128]] reduce_dst=sbuf:f32[0:%d]+%d[[1,1]] func=exp scale=0.08838835 reduce_cmd=3"
                  % (group, P_SB[b], group, PS_S[b], group, L_SB[b]))
    scalar.append("sem_signal sem=%d value=1" % SDONE)
    scalar.append("sem_signal sem=%d value=1" % P)
    # tensor: p^T into PSUM (after vector copied the previous use out)
    tensor.append("sem_wait sem=%d value=%d" % (P, t + 1))
    if t >= 2:
        tensor.append("sem_wait sem=%d value=%d" % (PTS, t - 1))
    tensor.append("nc_transpose dst=psum:f32[0:128]+%d[[1,%d]] src=sbuf:f32[0:%d]+%d[[1,128]]" % (PS_T[b], group, group, P_SB[b]))
    tensor.append("sem_signal sem=%d value=1" % TDONE)
    tensor.append("sem_signal sem=%d value=1" % PT)
    # vector: p^T PSUM -> SBUF (after the PV matmul read the buffer 2 tiles ago)
    vector.append("sem_wait sem=%d value=%d" % (PT, t + 1))
    if t >= 2:
        vector.append("sem_wait sem=%d value=%d" % (VDONE, t - 1))
    vector.append("tensor_copy dst=sbuf:f32[0:128]+%d[[1,%d]] src=psum:f32[0:128]+%d[[1,%d]]" % (PT_SB[b], group, PS_T[b], group))
    vector.append("sem_signal sem=%d value=1" % PTS)
    # tensor: acc += p V
    tensor.append("sem_wait sem=%d value=%d" % (PTS, t + 1))
    tensor.append("nc_matmul dst=psum:f32[0:%d]+%d[[1,%d]] stationary=sbuf:f32[0:128]+%d[[1,%d]] moving=sbuf:f32[0:128]+%d[[1,%d]]%s"
                  % (group, PS_ACC, d, PT_SB[b], group, V_SB[b], d, " accumulate=true" if t else ""))
    tensor.append("sem_signal sem=%d value=1" % VDONE)
    tensor.append("sem_signal sem=%d value=1" % FREE[b])
tensor.append("sem_signal sem=12 value=1")
vector.append("sem_wait sem=12 value=1")
vector.append("tensor_copy dst=sbuf:f32[0:%d]+8192[[1,%d]] src=psum:f32[0:%d]+%d[[1,%d]]" % (group, d, group, PS_ACC, d))
vector.append("sem_signal sem=13 value=1")
dma1.append("sem_wait sem=13 value=1")
dma1.append("dma_copy dst=hbm:f32+%d[[%d,%d],[1,%d]] src=sbuf:f32[0:%d]+8192[[1,%d]]" % (o_off, d, group, d, group, d))

for name, insts in (("tensor", tensor), ("vector", vector), ("scalar", scalar), ("dma0", dma0), ("dma1", dma1)):
    emit(".stream " + name)
    out.extend("  " + i for i in insts)
print("\n".join(out))
