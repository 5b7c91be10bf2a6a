// Pass: insert_semaphores.
//
// Assumes: every instruction is placed on a stream; operands hold absolute
// addresses (after allocate_memory); program order is a valid sequential
// execution.
// Guarantees: for every pair of instructions on different streams that touch
// overlapping bytes with at least one writing (RAW, WAR, WAW), the later one
// (in program order) waits, directly or transitively, for the earlier one to
// complete; so does a DMA transfer that depends on an earlier transfer of its
// own queue (a queue keeps several transfers in flight). Nothing else is
// synchronised: no barriers. Every wait refers to an earlier point in program
// order, so the program cannot deadlock.
//
// How: each stream S owns semaphore S (single signaller, so a count names a
// point in S exactly). `sem_signal S` goes right after each instruction some
// other stream depends on; the consumer waits for S's count at that point.
// Vector clocks per stream drop waits already implied transitively (T waited
// on U, which had waited on S), including among one instruction's own waits
// (it needs S and U, and U had waited on S: it waits on U only).
// Dependencies come from compute_dependences (dependences.h: per memory
// byte range, last writer and readers since); of the readers on one stream
// the latest is the one waited for.
// Signals nobody ends up waiting on are removed and the counts renumbered.
#include "compiler/backend/dependences.h"
#include "compiler/backend/passes.h"

#include <algorithm>
#include <vector>

namespace nk::lir {

using InstIdx = uint32_t;

llvm::Error insert_semaphores(Program &p, const Target &t) {
  // Stream numbering: compute engines, then DMA queues.
  auto stream_index = [&](StreamId id) -> unsigned {
    return id.engine == Engine::dma ? 4 + id.queue : unsigned(id.engine);
  };
  const unsigned num_streams = 4 + t.dma_queues;
  if (num_streams > t.num_semaphores)
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "target has too few semaphores for one per stream");
  const size_t n = p.insts.size();
  std::vector<unsigned> stream_of(n);
  for (size_t i = 0; i < n; ++i) {
    if (!p.insts[i].placed)
      return llvm::createStringError(llvm::inconvertibleErrorCode(), "instruction %zu is not placed", i);
    stream_of[i] = stream_index(p.insts[i].stream);
  }

  // 1. Dependencies across streams, and on an earlier transfer of the same
  // DMA queue (compute engines run their stream in order).
  const Dependences deps = compute_dependences(p);
  std::vector<bool> needs_signal(n, false);
  for (InstIdx i = 0; i < n; ++i)
    for (InstIdx d : deps.preds(i))
      if (stream_of[d] != stream_of[i] || p.insts[i].stream.engine == Engine::dma) needs_signal[d] = true;

  // 2. Signal counts: stream S's k-th signal follows its k-th marked producer.
  std::vector<uint32_t> count_after(n, 0); // S's signal count once i is done
  {
    std::vector<uint32_t> counter(num_streams, 0);
    for (InstIdx i = 0; i < n; ++i)
      if (needs_signal[i]) count_after[i] = ++counter[stream_of[i]];
  }

  // 3. Waits, pruned with vector clocks; record which signals are used.
  struct Wait {
    unsigned stream;
    uint32_t count;
  };
  // Waits before instruction i: wait_list[wait_begin[i] .. wait_begin[i+1]).
  std::vector<size_t> wait_begin(n + 1, 0);
  std::vector<Wait> wait_list;
  std::vector<std::vector<uint32_t>> clock(num_streams, std::vector<uint32_t>(num_streams, 0));
  // Snapshot of a stream's clock at each of its signals (by count).
  // (flat: num_streams entries per signal).
  std::vector<std::vector<uint32_t>> snapshot(num_streams);
  std::vector<std::vector<bool>> used(num_streams);
  std::vector<uint32_t> self_waited(num_streams, 0);
  std::vector<uint32_t> need(num_streams, 0);
  std::vector<unsigned> pending;
  for (InstIdx i = 0; i < n; ++i) {
    unsigned me = stream_of[i];
    // Strongest requirement per producer stream.
    std::fill(need.begin(), need.end(), 0);
    for (InstIdx d : deps.preds(i))
      if (stream_of[d] != me || p.insts[i].stream.engine == Engine::dma)
        need[stream_of[d]] = std::max(need[stream_of[d]], count_after[d]);
    // The producers not yet known to be done. A DMA queue waiting on itself
    // cannot use its own clock entry (which records that it *signalled*); it
    // tracks what it has waited for.
    pending.clear();
    for (unsigned s = 0; s < num_streams; ++s) {
      const uint32_t known = s == me ? self_waited[me] : clock[me][s];
      if (need[s] && known < need[s]) pending.push_back(s);
    }
    // Of those, a wait another one implies (its producer had itself waited,
    // directly or not, at least that far) is left out: the instruction's own
    // waits are transitively reduced too, whatever order the streams come in.
    // The implication is acyclic (it follows program order), so every wait
    // left out is implied by one that stays.
    auto snap_at_need = [&](unsigned s) { return &snapshot[s][size_t(need[s] - 1) * num_streams]; };
    for (unsigned s : pending) {
      bool implied = false;
      for (unsigned o : pending) implied |= o != s && snap_at_need(o)[s] >= need[s];
      if (implied) continue;
      wait_list.push_back({s, need[s]});
      if (used[s].size() < need[s]) used[s].resize(need[s], false);
      used[s][need[s] - 1] = true;
      const uint32_t *snap = snap_at_need(s);
      for (unsigned u = 0; u < num_streams; ++u) clock[me][u] = std::max(clock[me][u], snap[u]);
    }
    for (unsigned s : pending) { // done now, waited for directly or through another wait
      if (s == me)
        self_waited[me] = need[s];
      else
        clock[me][s] = std::max(clock[me][s], need[s]);
    }
    wait_begin[i + 1] = wait_list.size();
    if (needs_signal[i]) {
      clock[me][me] = count_after[i];
      snapshot[me].insert(snapshot[me].end(), clock[me].begin(), clock[me].end());
    }
  }

  // 4. Renumber the signals that are used, and rebuild the instruction list.
  std::vector<std::vector<uint32_t>> renumber(num_streams);
  for (unsigned s = 0; s < num_streams; ++s) {
    renumber[s].assign(used[s].size(), 0);
    uint32_t c = 0;
    for (size_t k = 0; k < used[s].size(); ++k)
      if (used[s][k]) renumber[s][k] = ++c;
  }
  size_t total = n + wait_list.size();
  for (InstIdx i = 0; i < n; ++i) {
    unsigned s = stream_of[i];
    if (needs_signal[i] && count_after[i] <= used[s].size() && used[s][count_after[i] - 1]) ++total;
  }
  std::vector<Inst> out;
  out.reserve(total);
  auto sync_inst = [&](Opcode op, StreamId sid, unsigned sem, uint32_t value, DebugLoc loc) {
    Inst s;
    s.inst = Instruction::make(op);
    s.inst.attr[attr::sem_signal::sem].i = sem;
    s.inst.attr[attr::sem_signal::value].i = value;
    s.inst.loc = loc;
    s.engines = engine_bit(sid.engine);
    s.stream = sid;
    s.placed = true;
    return s;
  };
  for (InstIdx i = 0; i < n; ++i) {
    const StreamId sid = p.insts[i].stream;
    const DebugLoc loc = p.insts[i].inst.loc;
    for (size_t k = wait_begin[i]; k < wait_begin[i + 1]; ++k) {
      const Wait &w = wait_list[k];
      out.push_back(sync_inst(Opcode::sem_wait, sid, w.stream, renumber[w.stream][w.count - 1], loc));
    }
    out.push_back(p.insts[i]);
    unsigned s = stream_of[i];
    if (needs_signal[i] && count_after[i] <= used[s].size() && used[s][count_after[i] - 1])
      out.push_back(sync_inst(Opcode::sem_signal, sid, s, 1, loc));
  }
  p.insts = std::move(out);
  return llvm::Error::success();
}

} // namespace nk::lir
