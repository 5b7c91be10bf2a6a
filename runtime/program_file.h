// The binary program file: a versioned, little-endian container for a
// Program (see docs/isa.md, "Program file"). decode_program() validates the
// structure (magic, version, sizes, enum ranges, truncation) so that any
// Program it returns is memory-safe to walk; whether the program is legal for
// a machine is the verifier's job (verifier.h).
#pragma once

#include "runtime/program.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>

namespace nk {

constexpr char kProgramMagic[8] = {'N', 'K', 'P', 'R', 'O', 'G', '\r', '\n'};
// 2: a CRC-32 of the whole file at its end.
// 3: dma_copy gained src_index, index_stride and index_count (indirect
//    loads). Instructions are encoded field by field in ISA-table order, so
//    a field added to an existing instruction is a new version.
// 4: activation gained scale_tile (a per-partition fp32 scale).
// 5: tensor_reduce gained negate.
// 6: iota and affine_select take a coefficient per free dim (free_step1-4,
//    NKI's per-axis index expressions) instead of one free_step over the
//    flat free index; dma_copy gained dst_rmw_op and oob_mode.
// 7: a program runs on 1 or 2 physical cores (LNC): the header gained
//    cores, each stream its core; core_barrier.
// 8: activation and range_select gained reduce_cmd (NKI's engine
//    accumulator registers), range_select reduce_res; dma_copy dst_index
//    (an indirect destination: a store or scatter).
// 9: ALU ops logical_and/or/xor (numbers 18-20) and the dtype tf32
//    (number 11), which a version-8 reader would call invalid; nc_matmul
//    gained tile_row, tile_col, tile_rows, tile_cols (PE tiling).
// 10: nc_matmul gained is_stationary_onezero and is_moving_onezero (NKI's
//    0/1 operand hints); dma_copy gained dge_mode.
// 11: the one-operand ALU ops rsqrt, reciprocal, abs (numbers 21-23),
//    which a version-10 reader would call invalid; tensor_copy_dynamic_src
//    and _dst gained offset_stride.
// 12: nc_matmul gained is_transpose (NKI's transpose hint).
constexpr uint32_t kProgramVersion = 12;

std::string encode_program(const Program &p);
llvm::Expected<Program> decode_program(llvm::StringRef bytes);
bool looks_like_program_file(llvm::StringRef bytes);

// Reads `path` as a binary program file or, if it does not start with the
// magic, as text assembly. Errors name the file.
llvm::Expected<Program> load_program_file(llvm::StringRef path);

} // namespace nk
