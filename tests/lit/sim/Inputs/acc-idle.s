# range_select: reset_reduce, then an idle one (which may modify the
# Vector engine's registers), then a reduce that continues them.
.kernel acc_idle
.target trn2
.hbm_size 160
.tensor x f32[4,10] @0 input
.stream dma0
  dma_copy dst=sbuf:f32[0:4]+0[[1,10]] src=hbm:f32+0[[10,4],[1,10]]
  sem_signal sem=0 value=1
.stream vector
  sem_wait sem=0 value=1
  range_select dst=sbuf:f32[0:4]+64[[1,8]] on_true=sbuf:f32[0:4]+0[[1,8]] bound0=sbuf:f32[0:4]+32[[1,1]] bound1=sbuf:f32[0:4]+36[[1,1]] cmp0=is_ge cmp1=is_lt reduce_cmd=3
  range_select dst=sbuf:f32[0:4]+64[[1,8]] on_true=sbuf:f32[0:4]+0[[1,8]] bound0=sbuf:f32[0:4]+32[[1,1]] bound1=sbuf:f32[0:4]+36[[1,1]] cmp0=is_ge cmp1=is_lt
  range_select dst=sbuf:f32[0:4]+64[[1,8]] on_true=sbuf:f32[0:4]+0[[1,8]] bound0=sbuf:f32[0:4]+32[[1,1]] bound1=sbuf:f32[0:4]+36[[1,1]] reduce_res=sbuf:f32[0:4]+96[[1,1]] cmp0=is_ge cmp1=is_lt reduce_cmd=2
