// Pass: allocate_memory.
//
// Assumes: every on-chip operand names its buffer; buffers start at
// partition 0 and need `bytes` per partition; PSUM buffers fit one bank.
// Guarantees: every used buffer has a byte offset such that buffers live at
// the same time never overlap, PSUM buffers never cross a bank, and all fit
// the target's SBUF/PSUM; on-chip operands are rewritten to absolute
// offsets. Running out of memory is an error naming the largest live
// buffers at that point.
//
// How: live ranges are [first use, last use] in program order. Walking in
// order, a buffer is allocated at its first use and freed after its last,
// ring-fashion (see Arena): freed space is reused in the order it was freed
// and as late as possible. That spreads consecutive tiles over memory
// (buffer rotation), so the
// load of the next KV tile does not have to wait for the last reader of the
// previous one: multi-buffering falls out of the allocation order, as deep as
// memory allows, with no annotation in the kernel.
#include "compiler/backend/passes.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <vector>

namespace nk::lir {

char OutOfMemoryError::ID = 0;

namespace {

constexpr uint64_t kAlign = 64; // bytes; keeps every tile's rows aligned

struct FreeBlock {
  uint64_t start, end;
};

// Free space of one memory, allocated ring-fashion: each allocation starts
// at the first free space at or after a cursor that moves past it, wrapping
// around. Freed space is therefore reused in the order it was freed (FIFO),
// as late as possible. Blocks never merge across `boundary` multiples (PSUM
// banks), so no allocation crosses one.
class Arena {
public:
  Arena(uint64_t capacity, uint64_t boundary) : boundary_(boundary) {
    for (uint64_t s = 0; s < capacity; s += boundary) blocks_.push_back({s, std::min(capacity, s + boundary)});
  }
  std::optional<uint64_t> allocate(uint64_t bytes) {
    // First pass: from the cursor to the end; second: from the beginning.
    for (int pass = 0; pass < 2; ++pass)
      for (size_t i = 0; i < blocks_.size(); ++i) {
        FreeBlock b = blocks_[i];
        uint64_t at = pass == 0 ? std::max(b.start, cursor_) : b.start;
        if (pass == 0 && b.end <= cursor_) continue;
        if (at >= b.end || b.end - at < bytes) continue;
        take(i, at, at + bytes);
        cursor_ = at + bytes;
        return at;
      }
    return std::nullopt;
  }
  void release(uint64_t start, uint64_t end) {
    auto it = std::lower_bound(blocks_.begin(), blocks_.end(), start,
                               [](const FreeBlock &b, uint64_t s) { return b.start < s; });
    it = blocks_.insert(it, FreeBlock{start, end});
    auto same_window = [&](uint64_t a, uint64_t b) { return a / boundary_ == (b - 1) / boundary_; };
    if (it + 1 != blocks_.end() && (it + 1)->start == it->end && same_window(it->start, (it + 1)->end)) {
      it->end = (it + 1)->end;
      blocks_.erase(it + 1);
    }
    if (it != blocks_.begin() && (it - 1)->end == it->start && same_window((it - 1)->start, it->end)) {
      (it - 1)->end = it->end;
      blocks_.erase(it);
    }
  }

private:
  uint64_t boundary_;
  uint64_t cursor_ = 0;
  std::vector<FreeBlock> blocks_; // sorted by start, disjoint

  void take(size_t i, uint64_t lo, uint64_t hi) {
    FreeBlock b = blocks_[i];
    blocks_.erase(blocks_.begin() + long(i));
    if (hi < b.end) blocks_.insert(blocks_.begin() + long(i), FreeBlock{hi, b.end});
    if (b.start < lo) blocks_.insert(blocks_.begin() + long(i), FreeBlock{b.start, lo});
  }
};

uint64_t round_up(uint64_t v) { return (v + kAlign - 1) / kAlign * kAlign; }

} // namespace

llvm::Error allocate_memory(Program &p, const Target &t) {
  const size_t nb = p.buffers.size();
  std::vector<size_t> first(nb, SIZE_MAX), last(nb, 0);
  for (size_t i = 0; i < p.insts.size(); ++i)
    for (BufferId b : p.insts[i].buffer)
      if (b != kNoBuffer) {
        first[b] = std::min(first[b], i);
        last[b] = std::max(last[b], i);
      }
  // Buffers to free after each instruction.
  std::vector<std::vector<BufferId>> frees(p.insts.size());
  for (BufferId b = 0; b < nb; ++b)
    if (first[b] != SIZE_MAX) frees[last[b]].push_back(b);

  Arena sbuf(t.sbuf_bytes_per_partition, t.sbuf_bytes_per_partition);
  Arena psum(t.psum_bytes_per_partition, t.psum_bank_bytes());
  std::vector<BufferId> live;

  for (size_t i = 0; i < p.insts.size(); ++i) {
    Inst &in = p.insts[i];
    for (unsigned slot = 0; slot < kMaxAps; ++slot) {
      BufferId b = in.buffer[slot];
      if (b == kNoBuffer) continue;
      Buffer &buf = p.buffers[b];
      if (!buf.allocated) {
        Arena &arena = buf.mem == Memory::psum ? psum : sbuf;
        uint64_t need = round_up(std::max<uint64_t>(buf.bytes, 1));
        if (buf.mem == Memory::psum && need > t.psum_bank_bytes())
          return llvm::createStringError(
              llvm::inconvertibleErrorCode(), "PSUM tile %%%s needs %llu bytes per partition; a PSUM bank holds %llu",
              buf.name.c_str(), (unsigned long long)buf.bytes, (unsigned long long)t.psum_bank_bytes());
        auto at = arena.allocate(need);
        if (!at) {
          std::vector<BufferId> same;
          uint64_t used = 0;
          for (BufferId l : live)
            if (p.buffers[l].mem == buf.mem) {
              same.push_back(l);
              used += round_up(p.buffers[l].bytes);
            }
          std::sort(same.begin(), same.end(),
                    [&](BufferId a, BufferId c) { return p.buffers[a].bytes > p.buffers[c].bytes; });
          std::string msg = fmt::format(
              "out of {} memory: tile %{} needs {} bytes per partition, {} of {} are in use by {} live tiles; the "
              "largest:",
              memory_name(buf.mem), buf.name, buf.bytes, used,
              buf.mem == Memory::psum ? t.psum_bytes_per_partition : t.sbuf_bytes_per_partition, same.size());
          for (size_t k = 0; k < same.size() && k < 5; ++k) {
            const Buffer &l = p.buffers[same[k]];
            msg += fmt::format("\n  %{}: {} bytes per partition x {} partitions", l.name, l.bytes, l.partitions);
            if (l.loc.line) msg += fmt::format(" (defined at line {}, column {})", l.loc.line, l.loc.col);
          }
          return llvm::make_error<OutOfMemoryError>(std::move(msg));
        }
        buf.offset = *at;
        buf.allocated = true;
        live.push_back(b);
      }
      in.inst.ap[slot].offset += buf.offset;
    }
    for (BufferId b : frees[i]) {
      Buffer &buf = p.buffers[b];
      Arena &arena = buf.mem == Memory::psum ? psum : sbuf;
      arena.release(buf.offset, buf.offset + round_up(std::max<uint64_t>(buf.bytes, 1)));
      live.erase(std::find(live.begin(), live.end(), b));
    }
  }
  return llvm::Error::success();
}

} // namespace nk::lir
