// The --trace output: Chrome/Perfetto trace-event JSON, parsed back with
// llvm::json and checked structurally (what Perfetto's importer needs:
// traceEvents array, ph/pid/tid/ts/dur types, named tracks, properly nested
// slices per track), plus the content we promise: one slice per
// instruction, op names with source lines, semaphore waits, counters.
#include "test_sim_util.h"
#include "runtime/output_files.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>

using namespace nk;
using namespace nk::simtest;

namespace {

// Two overlapping DMA loads on dma0, a vector op waiting for them, source
// locations on the instructions.
Program traced_program() {
  Program p = new_program(1 << 16);
  p.kernel = "traced";
  p.files = {"k.tile"};
  Instruction a = dma(sb(Dtype::f32, 0, 8, 0, 256), hbm2(Dtype::f32, 0, 8, 256));
  Instruction b = dma(sb(Dtype::f32, 0, 8, 1024, 256), hbm2(Dtype::f32, 8192, 8, 256));
  a.loc = DebugLoc{1, 10, 3};
  b.loc = DebugLoc{1, 11, 3};
  p.stream(kDma0).insts = {a, b, sem_signal(0)};
  Instruction add = Instruction::make(Opcode::tensor_tensor);
  add.ap[ap::tensor_tensor::dst] = sb(Dtype::f32, 0, 8, 4096, 256);
  add.ap[ap::tensor_tensor::src0] = sb(Dtype::f32, 0, 8, 0, 256);
  add.ap[ap::tensor_tensor::src1] = sb(Dtype::f32, 0, 8, 1024, 256);
  add.set_int(attr::tensor_tensor::op, int64_t(AluOp::add));
  add.loc = DebugLoc{1, 12, 9};
  p.stream(kVector).insts = {sem_wait(0), add};
  return p;
}

} // namespace

TEST_CASE("trace JSON parses back and has the structure Perfetto needs") {
  Program p = traced_program();
  std::vector<uint8_t> hbm(p.hbm_size);
  SimTrace trace;
  auto s = run(p, hbm, {}, &trace);
  REQUIRE(bool(s));
  std::string text;
  llvm::raw_string_ostream os(text);
  write_trace_json(os, p, *s, trace);
  os.flush();

  auto parsed = llvm::json::parse(text);
  REQUIRE_MESSAGE(bool(parsed), (parsed ? "" : llvm::toString(parsed.takeError())));
  const llvm::json::Object *root = parsed->getAsObject();
  REQUIRE(root);
  const llvm::json::Array *events = root->getArray("traceEvents");
  REQUIRE(events);

  std::map<int64_t, std::string> thread_names;
  struct Slice {
    std::string name, cat;
    double ts, dur;
    const llvm::json::Object *args;
  };
  std::map<int64_t, std::vector<Slice>> by_tid;
  int counters = 0;
  for (const llvm::json::Value &v : *events) {
    const llvm::json::Object *e = v.getAsObject();
    REQUIRE(e);
    auto ph = e->getString("ph");
    REQUIRE(ph);
    REQUIRE(e->getInteger("pid"));
    if (*ph == "M") {
      REQUIRE(e->getString("name"));
      const llvm::json::Object *args = e->getObject("args");
      REQUIRE(args);
      if (*e->getString("name") == "thread_name") thread_names[*e->getInteger("tid")] = args->getString("name")->str();
    } else if (*ph == "X") {
      auto tid = e->getInteger("tid");
      auto ts = e->getNumber("ts");
      auto dur = e->getNumber("dur");
      REQUIRE(tid);
      REQUIRE(ts);
      REQUIRE(dur);
      CHECK(*ts >= 0);
      CHECK(*dur >= 0);
      REQUIRE(e->getString("name"));
      REQUIRE(e->getString("cat"));
      by_tid[*tid].push_back(
          Slice{e->getString("name")->str(), e->getString("cat")->str(), *ts, *dur, e->getObject("args")});
    } else if (*ph == "C") {
      ++counters;
      REQUIRE(e->getObject("args"));
      CHECK(e->getObject("args")->getInteger("value"));
    } else {
      FAIL("unexpected event phase " << ph->str());
    }
  }
  // Every slice's track is named; the overlapping DMA loads got two lanes.
  std::vector<std::string> names;
  for (auto &kv : thread_names) names.push_back(kv.second);
  CHECK(std::count(names.begin(), names.end(), "dma0") == 1);
  CHECK(std::count(names.begin(), names.end(), "dma0 #2") == 1);
  CHECK(std::count(names.begin(), names.end(), "vector") == 1);
  size_t slices = 0;
  bool saw_wait = false, saw_add = false;
  for (auto &kv : by_tid) {
    REQUIRE(thread_names.count(kv.first));
    auto &v = kv.second;
    slices += v.size();
    std::sort(v.begin(), v.end(), [](const Slice &a, const Slice &b) { return a.ts < b.ts; });
    for (size_t i = 1; i < v.size(); ++i) // no partial overlap on a track
      CHECK(v[i].ts >= v[i - 1].ts + v[i - 1].dur - 1e-9);
    for (const Slice &sl : v) {
      REQUIRE(sl.args);
      if (sl.name == "wait sem 0") {
        saw_wait = true;
        CHECK(sl.cat == "semaphore");
        CHECK(thread_names[kv.first] == "vector");
        CHECK(sl.dur > 1.3); // waits out the DMA latency (1.3 us)
      }
      if (sl.name == "tensor_tensor @ k.tile:12") {
        saw_add = true;
        CHECK(*sl.args->getString("loc") == "k.tile:12:9");
        CHECK(*sl.args->getString("stream") == "vector");
        CHECK(*sl.args->getInteger("index") == 1);
        CHECK(sl.args->getString("operands")->contains("op=add"));
      }
    }
  }
  // One slice per instruction (5) plus one blocked-wait slice.
  CHECK(slices == p.num_instructions() + 1);
  CHECK(saw_wait);
  CHECK(saw_add);
  CHECK(counters == 1);
}

TEST_CASE("a trace staged as an output file is complete JSON, and a bad path leaves nothing") {
  Program p = traced_program();
  std::vector<uint8_t> hbm(p.hbm_size);
  SimTrace trace;
  auto s = run(p, hbm, {}, &trace);
  REQUIRE(bool(s));
  llvm::SmallString<128> dir;
  REQUIRE(!llvm::sys::fs::createUniqueDirectory("nksim-trace", dir));
  std::string path = (dir + "/t.json").str();
  auto write = [&](llvm::raw_ostream &os) { write_trace_json(os, p, *s, trace); };
  REQUIRE(!write_output_file(path, write));
  auto buf = llvm::MemoryBuffer::getFile(path);
  REQUIRE(buf);
  CHECK(bool(llvm::json::parse((*buf)->getBuffer())));
  std::string bad = (dir + "/missing-dir/t.json").str();
  llvm::Error e = write_output_file(bad, write);
  REQUIRE(bool(e));
  CHECK(llvm::toString(std::move(e)).find("cannot write " + bad) != std::string::npos);
  CHECK(!llvm::sys::fs::exists(bad));
  llvm::sys::fs::remove(path);
  CHECK(!llvm::sys::fs::remove(dir)); // empty: no temporary left behind
}
