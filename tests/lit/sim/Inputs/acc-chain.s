# activation: reset_reduce over columns 0-3, then reduce over columns 4-7
# with the read-out (the row sum). select_reduce's max of columns 0-3 into
# reduce_res, continued by a range_select reduce over columns 4-7 (the
# Vector engine's registers are shared): the row max.
.kernel acc_chain
.target trn2
.hbm_size 160
.tensor x f32[4,8] @0 input
.tensor out f32[4,2] @128 output
.stream dma0
  dma_copy dst=sbuf:f32[0:4]+0[[1,8]] src=hbm:f32+0[[8,4],[1,8]]
  sem_signal sem=0 value=1
  sem_wait sem=1 value=1
  sem_wait sem=2 value=1
  dma_copy dst=hbm:f32+128[[2,4],[1,2]] src=sbuf:f32[0:4]+104[[1,2]]
.stream vector
  sem_wait sem=0 value=1
  memset dst=sbuf:u8[0:4]+200[[1,4]] value=1.0
  memset dst=sbuf:f32[0:4]+160[[1,1]] value=4.0
  memset dst=sbuf:f32[0:4]+164[[1,1]] value=100.0
  select_reduce dst=sbuf:f32[0:4]+64[[1,4]] predicate=sbuf:u8[0:4]+200[[1,4]] on_true=sbuf:f32[0:4]+0[[1,4]] reduce_res=sbuf:f32[0:4]+100[[1,1]]
  range_select dst=sbuf:f32[0:4]+80[[1,4]] on_true=sbuf:f32[0:4]+16[[1,4]] bound0=sbuf:f32[0:4]+160[[1,1]] bound1=sbuf:f32[0:4]+164[[1,1]] reduce_res=sbuf:f32[0:4]+104[[1,1]] cmp0=is_ge cmp1=is_lt range_start=4 reduce_cmd=2
  sem_signal sem=1 value=1
.stream scalar
  sem_wait sem=0 value=1
  activation dst=sbuf:f32[0:4]+128[[1,4]] src=sbuf:f32[0:4]+0[[1,4]] func=identity reduce_cmd=3
  activation dst=sbuf:f32[0:4]+144[[1,4]] src=sbuf:f32[0:4]+16[[1,4]] reduce_dst=sbuf:f32[0:4]+108[[1,1]] func=identity reduce_cmd=2
  sem_signal sem=2 value=1
