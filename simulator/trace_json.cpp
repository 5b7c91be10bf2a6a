// Chrome/Perfetto trace-event JSON (write_trace_json in simulator.h).
//
// One process; one thread track per stream, named after it ("tensor",
// "dma0"). Transfers of one DMA queue overlap in time, and Perfetto wants
// the slices of a track properly nested, so overlapping slices go to extra
// lanes ("dma0 #2", ...), assigned greedily in start order. Each slice is
// named "<op>" or "<op> @ file:line" and carries its operands and location
// in args; semaphore waits are "wait sem N" slices, and each semaphore's
// value is a counter track. Times are microseconds (the format's unit).
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
  for (auto &kv : tids) kv.second = next_tid++;

  llvm::json::OStream j(os);
  j.objectBegin();
  j.attribute("displayTimeUnit", "ns");
  j.attributeBegin("traceEvents");
  j.arrayBegin();
  auto meta = [&](const char *name, int tid, const std::string &value, bool sort) {
    j.objectBegin();
    j.attribute("ph", "M");
    j.attribute("name", name);
    j.attribute("pid", kPid);
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
    if (sl.kind == TraceSlice::sem_blocked)
      name = fmt::format("wait sem {}", inst.get_int(attr::sem_wait::sem));
    else
      name = op_info(inst.op).name;
    if (!loc.empty()) name += " @ " + loc.substr(0, loc.rfind(':'));
    j.objectBegin();
    j.attribute("ph", "X");
    j.attribute("name", name);
    j.attribute("cat", sl.kind == TraceSlice::sem_blocked ? "semaphore" : "instruction");
    j.attribute("pid", kPid);
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
  for (const TraceCounter &c : trace.sem_values) {
    j.objectBegin();
    j.attribute("ph", "C");
    j.attribute("name", fmt::format("sem {}", c.sem));
    j.attribute("pid", kPid);
    j.attribute("ts", us(c.time_ns));
    j.attributeObject("args", [&] { j.attribute("value", c.value); });
    j.objectEnd();
  }
  j.arrayEnd();
  j.attributeEnd();
  j.objectEnd();
}

} // namespace nk
