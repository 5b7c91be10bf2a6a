// One passing and one failing program per verifier rule. Each case is a
// single instruction on a given stream; the failing variant must produce an
// error containing the expected text, and the passing one no error at all.
#include "runtime/asm_parser.h"
#include "runtime/target.h"
#include "runtime/verifier.h"

#include <doctest/doctest.h>

#include <string>

using namespace nk;

namespace {

std::string verify_text(const std::string &stream, const std::string &inst, const std::string &target = "trn2") {
  std::string text = ".kernel v\n.target " + target + "\n.hbm_size 4096\n" +
                     ".tensor x f32[8,8] @0 input\n.tensor out f32[8,8] @256 output\n" + ".stream " + stream + "\n" +
                     inst + "\n";
  auto p = parse_assembly(text, "v.s");
  if (!p) return "PARSE: " + llvm::toString(p.takeError());
  std::string all;
  for (const std::string &e : find_verifier_errors(*p, *find_target(target))) all += e + "\n";
  return all;
}

struct Rule {
  const char *name, *stream, *good, *bad, *expect;
};

const Rule rules[] = {
    {"engine can run op", "vector", "tensor_copy dst=sbuf:f32[0:8]+0[[1,8]] src=sbuf:f32[0:8]+64[[1,8]]",
     "nc_matmul dst=psum:f32[0:8]+0[[1,8]] stationary=sbuf:f32[0:8]+0[[1,8]] moving=sbuf:f32[0:8]+0[[1,8]]",
     "the vector engine cannot run nc_matmul"},
    {"partitions in range", "vector", "memset dst=sbuf:f32[0:128]+0[[1,8]] value=1.0",
     "memset dst=sbuf:f32[96:160]+0[[1,8]] value=1.0", "exceed the 128 partitions"},
    {"partition start alignment", "vector", "memset dst=sbuf:f32[64:128]+0[[1,8]]",
     "memset dst=sbuf:f32[32:96]+0[[1,8]]", "must start at 0 or 64"},
    {"DMA may start anywhere", "dma0", "dma_copy dst=sbuf:f32[3:5]+0[[1,8]] src=hbm:f32+0[[8,2],[1,8]]",
     "dma_copy dst=sbuf:f32[3:5]+0[[1,8]] src=hbm:f32+4050[[8,2],[1,8]]", "lie outside HBM"},
    {"SBUF bounds", "vector", "memset dst=sbuf:f32[0:8]+229344[[1,8]]", "memset dst=sbuf:f32[0:8]+229345[[1,8]]",
     "lie outside sbuf"},
    {"negative strides stay in bounds", "vector", "memset dst=sbuf:f32[0:8]+28[[-1,8]]",
     "memset dst=sbuf:f32[0:8]+24[[-1,8]]", "lie outside sbuf"},
    {"PSUM bounds", "vector", "memset dst=psum:f32[0:8]+16352[[1,8]]", "memset dst=psum:f32[0:8]+16384[[1,8]]",
     "lie outside psum"},
    {"HBM only through DMA", "dma0", "dma_copy dst=hbm:f32+256[[8,8],[1,8]] src=hbm:f32+0[[8,8],[1,8]]",
     "sem_wait sem=0 value=1\n.stream scalar\ntensor_copy dst=sbuf:f32[0:8]+0[[1,8]] src=hbm:f32+0[[8,8],[1,8]]",
     "only DMA queues access HBM"},
    {"GpSimd cannot access PSUM", "gpsimd", "tensor_copy dst=sbuf:f32[0:8]+0[[1,8]] src=sbuf:f32[0:8]+64[[1,8]]",
     "tensor_copy dst=sbuf:f32[0:8]+0[[1,8]] src=psum:f32[0:8]+0[[1,8]]", "GpSimd cannot access"},
    {"matmul operands in SBUF", "tensor",
     "nc_matmul dst=psum:f32[0:8]+0[[1,16]] stationary=sbuf:f32[0:64]+0[[1,8]] moving=sbuf:f32[0:64]+64[[1,16]]",
     "nc_matmul dst=psum:f32[0:8]+0[[1,16]] stationary=psum:f32[0:64]+0[[1,8]] moving=sbuf:f32[0:64]+64[[1,16]]",
     "stationary must be in SBUF"},
    {"matmul result in PSUM", "tensor",
     "nc_matmul dst=psum:f32[0:8]+0[[1,16]] stationary=sbuf:f32[0:64]+0[[1,8]] moving=sbuf:f32[0:64]+64[[1,16]]",
     "nc_matmul dst=sbuf:f32[0:8]+0[[1,16]] stationary=sbuf:f32[0:64]+0[[1,8]] moving=sbuf:f32[0:64]+64[[1,16]]",
     "dst must be in PSUM"},
    {"matmul contraction matches", "tensor",
     "nc_matmul dst=psum:f32[0:8]+0[[1,16]] stationary=sbuf:f32[0:32]+0[[1,8]] moving=sbuf:f32[0:32]+64[[1,16]]",
     "nc_matmul dst=psum:f32[0:8]+0[[1,16]] stationary=sbuf:f32[0:32]+0[[1,8]] moving=sbuf:f32[0:64]+64[[1,16]]",
     "contraction mismatch"},
    {"matmul stationary free <= 128", "tensor",
     "nc_matmul dst=psum:f32[0:128]+0[[1,4]] stationary=sbuf:f32[0:32]+0[[1,128]] moving=sbuf:f32[0:32]+1024[[1,4]]",
     "nc_matmul dst=psum:f32[0:128]+0[[1,4]] stationary=sbuf:f32[0:32]+0[[2,64],[1,3]] "
     "moving=sbuf:f32[0:32]+1024[[1,4]]",
     "stationary free size 192 exceeds"},
    {"matmul moving free <= 512", "tensor",
     "nc_matmul dst=psum:f32[0:8]+0[[1,512]] stationary=sbuf:f32[0:32]+0[[1,8]] moving=sbuf:f32[0:32]+64[[1,512]]",
     "nc_matmul dst=psum:bf16[0:8]+0[[1,513]] stationary=sbuf:bf16[0:32]+0[[1,8]] moving=sbuf:bf16[0:32]+64[[1,513]]",
     "moving free size 513 exceeds"},
    {"matmul dst shape", "tensor",
     "nc_matmul dst=psum:f32[0:8]+0[[1,16]] stationary=sbuf:f32[0:32]+0[[1,8]] moving=sbuf:f32[0:32]+64[[1,16]]",
     "nc_matmul dst=psum:f32[0:8]+0[[1,8]] stationary=sbuf:f32[0:32]+0[[1,8]] moving=sbuf:f32[0:32]+64[[1,16]]",
     "dst must be [M | N] = [8 | 16]"},
    {"PSUM matmul results are fp32", "tensor",
     "nc_matmul dst=psum:f32[0:8]+0[[1,16]] stationary=sbuf:bf16[0:32]+0[[1,8]] moving=sbuf:bf16[0:32]+64[[1,16]]",
     "nc_matmul dst=psum:bf16[0:8]+0[[1,16]] stationary=sbuf:bf16[0:32]+0[[1,8]] moving=sbuf:bf16[0:32]+64[[1,16]]",
     "dst must be f32 (PSUM accumulates in fp32 on trn2), not bf16"},
    {"matmul stays in one PSUM bank", "tensor",
     "nc_matmul dst=psum:f32[0:8]+2048[[1,512]] stationary=sbuf:f32[0:32]+0[[1,8]] moving=sbuf:f32[0:32]+64[[1,512]]",
     "nc_matmul dst=psum:f32[0:8]+1024[[1,512]] stationary=sbuf:f32[0:32]+0[[1,8]] moving=sbuf:f32[0:32]+64[[1,512]]",
     "cross a PSUM bank boundary"},
    {"transpose shape", "tensor", "nc_transpose dst=psum:f32[0:16]+0[[1,8]] src=sbuf:f32[0:8]+0[[1,16]]",
     "nc_transpose dst=psum:f32[0:8]+0[[1,16]] src=sbuf:f32[0:8]+0[[1,16]]", "dst must be [16 | 8]"},
    {"vector transpose is at most 32x32", "vector",
     "nc_transpose dst=sbuf:f32[0:32]+0[[1,32]] src=sbuf:f32[0:32]+512[[1,32]]",
     "nc_transpose dst=sbuf:f32[0:64]+0[[1,32]] src=sbuf:f32[0:32]+512[[1,64]]", "at most 32x32"},
    {"elementwise shapes agree", "vector",
     "tensor_tensor dst=sbuf:f32[0:8]+0[[1,8]] src0=sbuf:f32[0:8]+64[[1,8]] src1=sbuf:f32[0:8]+128[[8,1],[1,8]] op=add",
     "tensor_tensor dst=sbuf:f32[0:8]+0[[1,8]] src0=sbuf:f32[0:8]+64[[1,8]] src1=sbuf:f32[0:8]+128[[1,7]] op=add",
     "src1 has 7 elements per partition but dst has 8"},
    {"bitwise ops need integers", "vector",
     "tensor_tensor dst=sbuf:i32[0:8]+0[[1,8]] src0=sbuf:i32[0:8]+64[[1,8]] src1=sbuf:i32[0:8]+128[[1,8]] "
     "op=bitwise_and",
     "tensor_tensor dst=sbuf:i32[0:8]+0[[1,8]] src0=sbuf:f32[0:8]+64[[1,8]] src1=sbuf:i32[0:8]+128[[1,8]] "
     "op=bitwise_and",
     "needs integer dtypes, but src0 is f32"},
    {"per-partition scalar operands", "vector",
     "tensor_scalar dst=sbuf:f32[0:8]+0[[1,8]] src=sbuf:f32[0:8]+64[[1,8]] scalar0=sbuf:f32[0:8]+128[[1,1]] "
     "op0=multiply",
     "tensor_scalar dst=sbuf:f32[0:8]+0[[1,8]] src=sbuf:f32[0:8]+64[[1,8]] scalar0=sbuf:f32[0:8]+128[[1,2]] "
     "op0=multiply",
     "scalar0 must be one element per partition"},
    {"reduce dst shape", "vector", "tensor_reduce dst=sbuf:f32[0:8]+0[[1,1]] src=sbuf:f32[0:8]+64[[1,8]] op=max",
     "tensor_reduce dst=sbuf:f32[0:8]+0[[1,2]] src=sbuf:f32[0:8]+64[[1,8]] op=max", "dst must be [8 | 1]"},
    {"reduce op is a reduction", "vector",
     "tensor_reduce dst=sbuf:f32[0:8]+0[[1,1]] src=sbuf:f32[0:8]+64[[1,8]] op=add",
     "tensor_reduce dst=sbuf:f32[0:8]+0[[1,1]] src=sbuf:f32[0:8]+64[[1,8]] op=is_gt", "not a reduction op"},
    {"reduce axes within src", "vector",
     "tensor_reduce dst=sbuf:f32[0:8]+0[[1,1]] src=sbuf:f32[0:8]+64[[4,2],[1,4]] op=add axes=3",
     "tensor_reduce dst=sbuf:f32[0:8]+0[[1,1]] src=sbuf:f32[0:8]+64[[4,2],[1,4]] op=add axes=4",
     "axes mask 4 must select"},
    {"activation bias per partition", "scalar",
     "activation dst=sbuf:f32[0:8]+0[[1,8]] src=sbuf:f32[0:8]+64[[1,8]] bias=sbuf:f32[0:8]+128[[1,1]] func=exp",
     "activation dst=sbuf:f32[0:8]+0[[1,8]] src=sbuf:f32[0:8]+64[[1,8]] bias=sbuf:f32[0:4]+128[[1,1]] func=exp",
     "bias must be one element per partition over 8 partitions"},
    {"affine_select compares", "gpsimd",
     "affine_select dst=sbuf:f32[0:8]+0[[1,8]] src=sbuf:f32[0:8]+64[[1,8]] cmp=is_ge base=3 free_step1=-1",
     "affine_select dst=sbuf:f32[0:8]+0[[1,8]] src=sbuf:f32[0:8]+64[[1,8]] cmp=add", "cmp: add is not a comparison"},
    // NKI 2.26 nki.isa, iota / affine_select: a coefficient per free axis;
    // free_stepK names dst's K-th free dim, which must exist.
    {"affine_select free_step per dst dim", "gpsimd",
     "affine_select dst=sbuf:f32[0:8]+0[[4,2],[1,4]] src=sbuf:f32[0:8]+64[[1,8]] cmp=is_ge free_step1=-4 "
     "free_step2=1",
     "affine_select dst=sbuf:f32[0:8]+0[[4,2],[1,4]] src=sbuf:f32[0:8]+64[[1,8]] cmp=is_ge free_step3=1",
     "free_step3 is 1, but dst has 2 free dims"},
    // NKI 2.26 nki.isa.affine_select: float or 8/16-bit integer tiles.
    {"affine_select tile dtypes", "gpsimd",
     "affine_select dst=sbuf:i16[0:8]+0[[1,8]] src=sbuf:i16[0:8]+64[[1,8]] cmp=is_ge free_step1=-1",
     "affine_select dst=sbuf:i32[0:8]+0[[1,8]] src=sbuf:i32[0:8]+64[[1,8]] cmp=is_ge free_step1=-1",
     "affine_select takes float or 8/16-bit integer tiles, not i32 (src)"},
    {"iota free_step per dst dim", "gpsimd", "iota dst=sbuf:i32[0:8]+0[[1,8]] free_step1=2",
     "iota dst=sbuf:i32[0:8]+0[[1,8]] free_step2=2", "free_step2 is 2, but dst has 1 free dim "},
    // NKI 2.26 instructions whose rules live in runtime/operand_rules.cpp.
    {"scan keeps the shape", "vector",
     "tensor_tensor_scan dst=sbuf:f32[0:8]+0[[1,16]] data0=sbuf:f32[0:8]+64[[1,16]] data1=sbuf:f32[0:8]+128[[1,16]] "
     "op0=multiply op1=add",
     "tensor_tensor_scan dst=sbuf:f32[0:8]+0[[1,16]] data0=sbuf:f32[0:8]+64[[1,16]] data1=sbuf:f32[0:8]+128[[1,15]] "
     "op0=multiply op1=add",
     "data1 is [8 | 15] but dst is [8 | 16]"},
    {"scan inputs not both in PSUM", "vector",
     "tensor_tensor_scan dst=sbuf:f32[0:8]+0[[1,16]] data0=psum:f32[0:8]+0[[1,16]] data1=sbuf:f32[0:8]+128[[1,16]] "
     "op0=multiply op1=add",
     "tensor_tensor_scan dst=sbuf:f32[0:8]+0[[1,16]] data0=psum:f32[0:8]+0[[1,16]] data1=psum:f32[0:8]+64[[1,16]] "
     "op0=multiply op1=add",
     "cannot both be in PSUM"},
    {"scan initial per partition", "vector",
     "tensor_tensor_scan dst=sbuf:f32[0:8]+0[[1,16]] data0=sbuf:f32[0:8]+64[[1,16]] data1=sbuf:f32[0:8]+128[[1,16]] "
     "initial=sbuf:f32[0:8]+192[[1,1]] op0=multiply op1=add",
     "tensor_tensor_scan dst=sbuf:f32[0:8]+0[[1,16]] data0=sbuf:f32[0:8]+64[[1,16]] data1=sbuf:f32[0:8]+128[[1,16]] "
     "initial=sbuf:f32[0:8]+192[[1,2]] op0=multiply op1=add",
     "initial must have 1 elements per partition"},
    {"scan ops are arithmetic", "vector",
     "tensor_tensor_scan dst=sbuf:f32[0:8]+0[[1,16]] data0=sbuf:f32[0:8]+64[[1,16]] data1=sbuf:f32[0:8]+128[[1,16]] "
     "op0=max op1=subtract",
     "tensor_tensor_scan dst=sbuf:f32[0:8]+0[[1,16]] data0=sbuf:f32[0:8]+64[[1,16]] data1=sbuf:f32[0:8]+128[[1,16]] "
     "op0=is_gt op1=add",
     "op0: is_gt is not an arithmetic op"},
    {"bn_stats reads at most 512", "vector", "bn_stats dst=sbuf:f32[0:8]+0[[1,6]] src=sbuf:f32[0:8]+64[[1,512]]",
     "bn_stats dst=sbuf:f32[0:8]+0[[1,6]] src=sbuf:f32[0:8]+64[[1,513]]", "src must have 1 to 512 elements"},
    {"bn_stats writes 6", "vector", "bn_stats dst=sbuf:f32[0:8]+0[[1,6]] src=sbuf:f32[0:8]+64[[1,7]]",
     "bn_stats dst=sbuf:f32[0:8]+0[[1,3]] src=sbuf:f32[0:8]+64[[1,7]]", "dst must have 6 elements"},
    {"bn_stats into floats", "vector", "bn_stats dst=sbuf:bf16[0:8]+0[[1,6]] src=sbuf:f32[0:8]+64[[1,7]]",
     "bn_stats dst=sbuf:i32[0:8]+0[[1,6]] src=sbuf:f32[0:8]+64[[1,7]]", "dst must be a float dtype"},
    {"bn_aggr reads triples", "vector", "bn_aggr dst=sbuf:f32[0:8]+0[[1,2]] src=sbuf:f32[0:8]+64[[1,12]]",
     "bn_aggr dst=sbuf:f32[0:8]+0[[1,2]] src=sbuf:f32[0:8]+64[[1,10]]", "a multiple of 3 elements"},
    {"max8 range and shape", "vector", "max8 dst=sbuf:f32[0:8]+0[[1,8]] src=sbuf:f32[0:8]+64[[1,8]]",
     "max8 dst=sbuf:f32[0:8]+0[[1,8]] src=sbuf:f32[0:8]+64[[1,7]]", "src must have 8 to 16384 elements"},
    {"find_index8 indices are u32 or u16 (NKI 2.26)", "vector",
     "nc_find_index8 dst=sbuf:u32[0:8]+0[[1,8]] data=sbuf:f32[0:8]+64[[1,100]] vals=sbuf:f32[0:8]+512[[1,8]]",
     "nc_find_index8 dst=sbuf:i32[0:8]+0[[1,8]] data=sbuf:f32[0:8]+64[[1,100]] vals=sbuf:f32[0:8]+512[[1,8]]",
     "dst holds indices: it must be u16 or u32 (NKI 2.26), not i32"},
    {"find_index8 u16 indices", "vector",
     "nc_find_index8 dst=sbuf:u16[0:8]+0[[1,8]] data=sbuf:f32[0:8]+64[[1,100]] vals=sbuf:f32[0:8]+512[[1,8]]",
     "nc_find_index8 dst=sbuf:f32[0:8]+0[[1,8]] data=sbuf:f32[0:8]+64[[1,100]] vals=sbuf:f32[0:8]+512[[1,8]]",
     "dst holds indices"},
    {"find_index8 partitions agree", "vector",
     "nc_find_index8 dst=sbuf:u32[0:8]+0[[1,8]] data=sbuf:f32[0:8]+64[[1,100]] vals=sbuf:f32[0:8]+512[[1,8]]",
     "nc_find_index8 dst=sbuf:u32[0:8]+0[[1,8]] data=sbuf:f32[0:4]+64[[1,100]] vals=sbuf:f32[0:8]+512[[1,8]]",
     "data has 4 partitions but dst has 8"},
    {"scalar_tensor_tensor operand1 shaped like data", "vector",
     "scalar_tensor_tensor dst=sbuf:f32[0:8]+0[[1,16]] data=sbuf:f32[0:8]+64[[1,16]] "
     "operand1=sbuf:f32[0:8]+128[[1,16]] op0=subtract imm0=1.0 op1=multiply",
     "scalar_tensor_tensor dst=sbuf:f32[0:8]+0[[1,16]] data=sbuf:f32[0:8]+64[[1,16]] operand1=sbuf:f32[0:8]+128[[1,8]] "
     "op0=subtract imm0=1.0 op1=multiply",
     "operand1 has 8 elements per partition but dst has 16"},
    {"scalar_tensor_tensor not both in PSUM", "vector",
     "scalar_tensor_tensor dst=sbuf:f32[0:8]+0[[1,16]] data=psum:f32[0:8]+0[[1,16]] operand1=sbuf:f32[0:8]+128[[1,16]] "
     "op0=add op1=add",
     "scalar_tensor_tensor dst=sbuf:f32[0:8]+0[[1,16]] data=psum:f32[0:8]+0[[1,16]] operand1=psum:f32[0:8]+64[[1,16]] "
     "op0=add op1=add",
     "cannot both be in PSUM"},
    {"reciprocal keeps the shape", "vector", "reciprocal dst=sbuf:f32[0:8]+0[[1,16]] src=sbuf:f32[0:8]+64[[1,16]]",
     "reciprocal dst=sbuf:f32[0:8]+0[[1,16]] src=sbuf:f32[0:4]+64[[1,16]]", "src has 4 partitions but dst has 8"},
    {"partition reduce into one partition", "gpsimd",
     "tensor_partition_reduce dst=sbuf:f32[0:1]+0[[1,16]] data=sbuf:f32[0:64]+64[[1,16]] op=add",
     "tensor_partition_reduce dst=sbuf:f32[0:2]+0[[1,16]] data=sbuf:f32[0:64]+64[[1,16]] op=add",
     "dst must have 1 partition"},
    {"partition reduce ops", "gpsimd",
     "tensor_partition_reduce dst=sbuf:f32[0:1]+0[[1,16]] data=sbuf:f32[0:64]+64[[1,16]] op=max",
     "tensor_partition_reduce dst=sbuf:f32[0:1]+0[[1,16]] data=sbuf:f32[0:64]+64[[1,16]] op=multiply",
     "op: multiply is not a partition reduction"},
    {"match_replace8 keeps data's shape", "vector",
     "nc_match_replace8 dst=sbuf:f32[0:8]+0[[1,100]] data=sbuf:f32[0:8]+512[[1,100]] vals=sbuf:f32[0:8]+1024[[1,8]] "
     "imm=0.0",
     "nc_match_replace8 dst=sbuf:f32[0:8]+0[[1,99]] data=sbuf:f32[0:8]+512[[1,100]] vals=sbuf:f32[0:8]+1024[[1,8]] "
     "imm=0.0",
     "dst has 99 elements per partition but data has 100"},
    {"sequence_bounds on one partition", "gpsimd",
     "sequence_bounds dst=sbuf:f32[0:1]+0[[1,18]] segment_ids=sbuf:f32[0:1]+128[[1,9]]",
     "sequence_bounds dst=sbuf:f32[0:1]+0[[1,9]] segment_ids=sbuf:f32[0:1]+128[[1,9]]",
     "dst must hold a start and an end per id: 18 elements"},
    {"dropout prob per partition", "vector",
     "dropout dst=sbuf:f32[0:8]+0[[1,16]] src=sbuf:f32[0:8]+64[[1,16]] prob=sbuf:f32[0:8]+128[[1,1]]",
     "dropout dst=sbuf:f32[0:8]+0[[1,16]] src=sbuf:f32[0:8]+64[[1,16]] prob=sbuf:f32[0:8]+128[[1,2]]",
     "prob must have 1 elements per partition"},
    {"dropout prob is a float tile", "vector",
     "dropout dst=sbuf:f32[0:8]+0[[1,16]] src=sbuf:f32[0:8]+64[[1,16]] prob=sbuf:bf16[0:8]+128[[1,1]]",
     "dropout dst=sbuf:f32[0:8]+0[[1,16]] src=sbuf:f32[0:8]+64[[1,16]] prob=sbuf:i32[0:8]+128[[1,1]]",
     "prob must be a float tile, not i32"},
    {"dropout of integer data takes an f32 prob", "vector",
     "dropout dst=sbuf:i32[0:8]+0[[1,16]] src=sbuf:i32[0:8]+64[[1,16]] prob=sbuf:f32[0:8]+128[[1,1]]",
     "dropout dst=sbuf:i32[0:8]+0[[1,16]] src=sbuf:i32[0:8]+64[[1,16]] prob=sbuf:bf16[0:8]+128[[1,1]]",
     "dropout of integer data takes an f32 prob, not bf16"},
    {"local_gather on 16-partition groups", "gpsimd",
     "local_gather dst=sbuf:f32[0:16]+0[[1,8]] src=sbuf:f32[0:16]+64[[1,100]] index=sbuf:u16[0:16]+512[[1,1]] "
     "num_elem_per_idx=1 num_valid_indices=8",
     "local_gather dst=sbuf:f32[0:8]+0[[1,8]] src=sbuf:f32[0:8]+64[[1,100]] index=sbuf:u16[0:8]+512[[1,1]] "
     "num_elem_per_idx=1 num_valid_indices=8",
     "a multiple of 16 partitions"},
    {"local_gather element counts", "gpsimd",
     "local_gather dst=sbuf:f32[0:16]+0[[1,16]] src=sbuf:f32[0:16]+64[[1,100]] index=sbuf:u16[0:16]+512[[1,1]] "
     "num_elem_per_idx=2 num_valid_indices=8",
     "local_gather dst=sbuf:f32[0:16]+0[[1,16]] src=sbuf:f32[0:16]+64[[1,100]] index=sbuf:u16[0:16]+512[[1,1]] "
     "num_elem_per_idx=3 num_valid_indices=8",
     "num_elem_per_idx must be 1, 2, 4, 8, 16 or 32"},
    {"local_gather index is u16 (NKI 2.26)", "gpsimd",
     "local_gather dst=sbuf:f32[0:16]+0[[1,8]] src=sbuf:f32[0:16]+64[[1,100]] index=sbuf:u16[0:16]+512[[1,1]] "
     "num_elem_per_idx=1 num_valid_indices=8",
     "local_gather dst=sbuf:f32[0:16]+0[[1,8]] src=sbuf:f32[0:16]+64[[1,100]] index=sbuf:i32[0:16]+512[[1,1]] "
     "num_elem_per_idx=1 num_valid_indices=8",
     "index holds element offsets: it must be u16 (NKI 2.26), not i32"},
    {"dynamic copy offset_stride within the region", "gpsimd",
     "tensor_copy_dynamic_dst dst=sbuf:f32[0:8]+0[[1,100]] src=sbuf:f32[0:8]+512[[1,4]] "
     "offset=sbuf:u16[0:1]+1024[[1,1]] offset_stride=4",
     "tensor_copy_dynamic_dst dst=sbuf:f32[0:8]+0[[1,100]] src=sbuf:f32[0:8]+512[[1,4]] "
     "offset=sbuf:u16[0:1]+1024[[1,1]] offset_stride=0",
     "offset_stride must be 1 to 100 (the region's elements per partition), not 0"},
    {"dynamic copy offset is one SBUF integer", "vector",
     "tensor_copy_dynamic_src dst=sbuf:f32[0:8]+0[[1,16]] src=sbuf:f32[0:8]+64[[1,100]] "
     "offset=sbuf:i32[0:1]+512[[1,1]]",
     "tensor_copy_dynamic_src dst=sbuf:f32[0:8]+0[[1,16]] src=sbuf:f32[0:8]+64[[1,100]] "
     "offset=sbuf:f32[0:1]+512[[1,1]]",
     "offset must be one integer element in SBUF"},
    {"dynamic copy window fits the region", "scalar",
     "tensor_copy_dynamic_dst dst=sbuf:f32[0:8]+0[[1,100]] src=sbuf:f32[0:8]+512[[1,16]] "
     "offset=sbuf:i32[0:1]+1024[[1,1]]",
     "tensor_copy_dynamic_dst dst=sbuf:f32[0:8]+0[[1,10]] src=sbuf:f32[0:8]+512[[1,16]] "
     "offset=sbuf:i32[0:1]+1024[[1,1]]",
     "is smaller than the 16 elements copied"},
    {"DMA element counts agree", "dma3", "dma_copy dst=sbuf:f32[0:8]+0[[1,8]] src=hbm:f32+0[[8,8],[1,8]]",
     "dma_copy dst=sbuf:f32[0:8]+0[[1,8]] src=hbm:f32+0[[8,8],[1,7]]", "dst has 64 elements but src has 56"},
    {"semaphores exist", "scalar", "sem_signal sem=255 value=1", "sem_signal sem=256 value=1",
     "semaphore 256 does not exist"},
    {"DMA queues exist", "dma15", "sem_signal sem=1 value=1",
     "sem_signal sem=1 value=1\n.stream dma16\nsem_signal sem=1 value=1", "DMA queue 16 does not exist"},
};

} // namespace

TEST_CASE("each verifier rule accepts its good case and rejects its bad case") {
  for (const Rule &r : rules) {
    INFO("rule: " << std::string(r.name));
    CHECK(verify_text(r.stream, r.good) == "");
    std::string errs = verify_text(r.stream, r.bad);
    CHECK_MESSAGE(errs.find(r.expect) != std::string::npos, errs);
    CHECK(errs.find("PARSE:") == std::string::npos);
  }
}

TEST_CASE("program-level rules") {
  auto check = [](const std::string &header, const char *expect) {
    auto p = parse_assembly(".kernel v\n.target trn2\n" + header, "v.s");
    REQUIRE(p);
    std::string all;
    for (auto &e : find_verifier_errors(*p, *find_target("trn2"))) all += e + "\n";
    if (*expect)
      CHECK_MESSAGE(all.find(expect) != std::string::npos, all);
    else
      CHECK(all == "");
  };
  check(".hbm_size 512\n.tensor x f32[8,8] @0 input\n.tensor y f32[8,8] @256 output\n", "");
  check(".hbm_size 500\n.tensor x f32[8,8] @0 input\n.tensor y f32[8,8] @256 output\n", "lie outside HBM");
  check(".hbm_size 512\n.tensor x f32[8,8] @0 input\n.tensor y f32[8,8] @128 output\n", "overlaps tensor 'x'");
  check(".hbm_size 12884901888\n", ""); // the HBM of one trn2 NeuronCore
  check(".hbm_size 12884901889\n", "program: needs 12884901889 bytes of HBM (.hbm_size), more than the 12 GiB");
  auto p = parse_assembly(".kernel v\n.target trn1\n", "v.s");
  REQUIRE(p);
  CHECK(find_verifier_errors(*p, *find_target("trn2")).size() == 1);
  CHECK(find_verifier_errors(*p, *find_target("trn1")).empty());
}

TEST_CASE("an access pattern claiming more dims than it holds is reported, never read past") {
  // An in-memory Program can carry any num_dims (the decoder and the parser
  // refuse them); the verifier must say so without indexing past dims[].
  auto p = parse_assembly(".kernel v\n.target trn2\n.hbm_size 512\n.tensor x f32[8,8] @0 input\n"
                          ".stream dma0\n  dma_copy dst=sbuf:f32[0:8]+0[[1,8]] src=hbm:f32+0[[8,8],[1,8]]\n",
                          "v.s");
  REQUIRE(p);
  Instruction &inst = p->streams[0].insts[0];
  REQUIRE(find_verifier_errors(*p, *find_target("trn2")).empty());
  inst.ap[ap::dma_copy::src].num_dims = 7; // beyond kMaxHbmDims
  inst.ap[ap::dma_copy::dst].num_dims = 5; // beyond kMaxFreeDims, within the array
  std::string all;
  for (auto &e : find_verifier_errors(*p, *find_target("trn2"))) all += e + "\n";
  CHECK_MESSAGE(all.find("src has 7 dims (at most 5)") != std::string::npos, all);
  CHECK_MESSAGE(all.find("dst has 5 free dims (at most 4)") != std::string::npos, all);
}
