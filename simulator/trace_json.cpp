// Chrome/Perfetto trace-event JSON (write_trace_json in simulator.h).
//
// One process per physical core (one for a one-core program); one thread
// track per stream, named after it ("tensor", "dma0", "core1.dma0"). Transfers of one DMA queue overlap in time, and
// Perfetto wants the slices of a track properly nested, so overlapping slices go to extra lanes ("dma0 #2", ...),
// assigned greedily in start order. Each slice is named "<op>" or "<op> @ file:line" and carries its operands and
// location in args; semaphore waits are "wait sem N" slices, and each semaphore's value is a counter track. Times are
// microseconds (the format's unit).
#include "simulator/simulator.h"

#include "simulator/describe.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <numeric>

namespace nk {

namespace {
constexpr int kPid = 1;
double us(double ns) { return ns / 1000.0; }
} // namespace

void write_trace_json(llvm::raw_ostream &os, const Program &program, const SimStats &stats, const SimTrace &trace) {
  // Lanes: per stream, slices in start order, first lane free at the start.
  std::vector<size_t> order(trace.slices.size());
  std::iota(order.begin(), order.end(), size_t(0));
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const TraceSlice &x = trace.slices[a], &y = trace.slices[b];
    return x.stream != y.stream ? x.stream < y.stream : x.start_ns < y.start_ns;
  });
  std::vector<uint32_t> lane(trace.slices.size(), 0);
  std::map<std::pair<uint32_t, uint32_t>, int> tids; // (stream, lane) -> tid
  for (unsigned s = 0; s < program.streams.size(); ++s) tids[{s, 0}] = 0;
  std::vector<double> lane_end;
  uint32_t cur = UINT32_MAX;
  for (size_t i : order) {
    const TraceSlice &sl = trace.slices[i];
    if (sl.stream != cur) {
      cur = sl.stream;
      lane_end.clear();
    }
    uint32_t l = 0;
    while (l < lane_end.size() && lane_end[l] > sl.start_ns + 1e-9) ++l;
    if (l == lane_end.size()) lane_end.push_back(0);
    lane_end[l] = sl.start_ns + sl.dur_ns;
    lane[i] = l;
    tids[{sl.stream, l}] = 0;
  }
  int next_tid = 1;
  std::map<int, int> tid_pid; // a stream's tracks live in its core's process
  for (auto &kv : tids) {
    tid_pid[next_tid] = kPid + program.streams[kv.first.first].id.core;
    kv.second = next_tid++;
  }
  auto pid_of_tid = [&](int tid) { return tid <= 0 ? kPid - tid : tid_pid[tid]; };

  llvm::json::OStream j(os);
  j.objectBegin();
  j.attribute("displayTimeUnit", "ns");
  j.attributeBegin("traceEvents");
  j.arrayBegin();
  auto meta = [&](const char *name, int tid, const std::string &value, bool sort) {
    j.objectBegin();
    j.attribute("ph", "M");
    j.attribute("name", name);
    j.attribute("pid", pid_of_tid(tid));
    j.attribute("tid", tid);
    j.attributeObject("args", [&] {
      if (sort)
        j.attribute("sort_index", tid);
      else
        j.attribute("name", value);
    });
    j.objectEnd();
  };
  meta("process_name", 0, fmt::format("nksim {} on {}", program.kernel, stats.target ? stats.target->name : "?"),
       false);
  for (unsigned c = 1; c < program.cores; ++c) // tid 0 of each core's process names it
    meta("process_name", -int(c),
         fmt::format("nksim {} on {}, core {}", program.kernel, stats.target ? stats.target->name : "?", c), false);
  for (const auto &kv : tids) {
    std::string name = stream_name(program.streams[kv.first.first].id);
    if (kv.first.second) name += fmt::format(" #{}", kv.first.second + 1);
    meta("thread_name", kv.second, name, false);
    meta("thread_sort_index", kv.second, "", true);
  }
  for (size_t i = 0; i < trace.slices.size(); ++i) {
    const TraceSlice &sl = trace.slices[i];
    const Stream &stream = program.streams[sl.stream];
    const Instruction &inst = stream.insts[sl.inst];
    const std::string loc = describe_loc(program, inst.loc);
    std::string name;
    if (sl.kind == TraceSlice::sem_blocked && inst.op == Opcode::core_barrier)
      name = "wait core_barrier";
    else if (sl.kind == TraceSlice::sem_blocked)
      name = fmt::format("wait sem {}", inst.get_int(attr::sem_wait::sem));
    else
      name = op_info(inst.op).name;
    if (!loc.empty()) name += " @ " + loc.substr(0, loc.rfind(':'));
    j.objectBegin();
    j.attribute("ph", "X");
    j.attribute("name", name);
    j.attribute("cat", sl.kind == TraceSlice::sem_blocked ? "semaphore" : "instruction");
    j.attribute("pid", kPid + stream.id.core);
    j.attribute("tid", tids[{sl.stream, lane[i]}]);
    j.attribute("ts", us(sl.start_ns));
    j.attribute("dur", us(sl.dur_ns));
    j.attributeObject("args", [&] {
      j.attribute("stream", stream_name(stream.id));
      j.attribute("index", int64_t(sl.inst));
      j.attribute("operands", describe_operands(inst));
      if (!loc.empty()) j.attribute("loc", loc);
    });
    j.objectEnd();
  }
  const unsigned per_core = stats.target ? stats.target->num_semaphores : 1;
  const unsigned cores = std::max<unsigned>(1, program.cores);
  for (const TraceCounter &c : trace.sem_values) {
    // Core c's semaphores, then core_barrier's (one per core: updated by the other core).
    const bool barrier = c.sem >= cores * per_core;
    const unsigned core = barrier ? c.sem - cores * per_core : c.sem / per_core;
    j.objectBegin();
    j.attribute("ph", "C");
    j.attribute("name", barrier ? std::string("core_barrier") : fmt::format("sem {}", c.sem % per_core));
    j.attribute("pid", kPid + int(core));
    j.attribute("ts", us(c.time_ns));
    j.attributeObject("args", [&] { j.attribute("value", c.value); });
    j.objectEnd();
  }
  j.arrayEnd();
  j.attributeEnd();
  j.objectEnd();
}

} // namespace nk
