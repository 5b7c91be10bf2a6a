// Program file and text assembly round trips: binary -> text -> binary is
// bit-identical, text -> binary -> text is byte-identical; the decoder
// rejects bad magic, versions and truncation, and never crashes on corrupt
// bytes.
#include "runtime/asm_parser.h"
#include "runtime/asm_printer.h"
#include "runtime/program_file.h"
#include "runtime/rendered_diagnostics.h"

#include "llvm/Support/CRC.h"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <random>

using namespace nk;

namespace {

AccessPattern random_ap(std::mt19937_64 &rng, bool optional) {
  AccessPattern a;
  if (optional && rng() % 3 == 0) return a;
  a.mem = Memory(1 + rng() % 3);
  a.dtype = Dtype(rng() % kNumDtypes);
  if (a.on_chip()) {
    a.start_partition = uint16_t(rng() % 128);
    a.num_partitions = uint16_t(1 + rng() % 128);
  }
  a.offset = rng() % 100000;
  a.num_dims = uint8_t(rng() % ((a.on_chip() ? kMaxFreeDims : kMaxHbmDims) + 1));
  for (unsigned i = 0; i < a.num_dims; ++i) a.dims[i] = Dim{int64_t(rng() % 2001) - 1000, uint32_t(1 + rng() % 600)};
  return a;
}

Program random_program(uint64_t seed) {
  std::mt19937_64 rng(seed);
  Program p;
  p.kernel = "k" + std::to_string(seed);
  p.target = seed % 2 ? "trn1" : "trn2";
  p.hbm_size = rng() % (1ull << 40);
  if (seed % 4 == 0) p.cores = 2; // a logical core of two physical cores: streams of both
  p.files = {"a.tile", "dir with space/b\"q\".tile"};
  p.tensors.push_back(TensorDecl{"q", Dtype::f32, {128, 8}, 0, TensorKind::input});
  p.tensors.push_back(TensorDecl{"out", Dtype::bf16, {8, 128}, 4096, TensorKind::output});
  p.tensors.push_back(TensorDecl{"s0", Dtype::i32, {}, 8192, TensorKind::scratch});
  for (int n = 0; n < 40; ++n) {
    Opcode op = Opcode(rng() % kNumOpcodes);
    const OpInfo &info = op_info(op);
    Instruction inst = Instruction::make(op);
    for (unsigned i = 0; i < info.num_aps; ++i)
      inst.ap[i] = random_ap(rng, info.aps[i].presence == FieldPresence::Optional);
    for (unsigned i = 0; i < info.num_attrs; ++i) {
      switch (info.attrs[i].kind) {
      case AttrKind::Bool: inst.attr[i].i = int64_t(rng() % 2); break;
      case AttrKind::Int:
      case AttrKind::Bytes32: // eight of its bytes, any values
      case AttrKind::Cont: inst.attr[i].i = int64_t(rng()); break;
      case AttrKind::Sem: inst.attr[i].i = int64_t(rng() % 256); break;
      case AttrKind::Alu: inst.attr[i].i = int64_t(rng() % (unsigned(kLastAluOp) + 1)); break;
      case AttrKind::Act: inst.attr[i].i = int64_t(rng() % kNumActFuncs); break;
      case AttrKind::Float: {
        static const float specials[] = {0.0f,
                                         -0.0f,
                                         1.0f,
                                         0.1f,
                                         -3.5e-20f,
                                         1e30f,
                                         std::numeric_limits<float>::infinity(),
                                         -std::numeric_limits<float>::infinity(),
                                         std::numeric_limits<float>::denorm_min(),
                                         std::numeric_limits<float>::quiet_NaN()};
        uint64_t pick = rng() % 14;
        if (pick < 10)
          inst.set_float(i, specials[pick]);
        else
          inst.attr[i].i = int64_t(uint32_t(rng())); // any bits, NaN payloads included
        break;
      }
      }
    }
    if (rng() % 2) inst.loc = DebugLoc{uint32_t(1 + rng() % 2), uint32_t(rng() % 500), uint32_t(rng() % 80)};
    Engine e = Engine(rng() % kNumEngines);
    StreamId id{e, uint8_t(e == Engine::dma ? rng() % 16 : 0), uint8_t(p.cores == 2 ? rng() % 2 : 0)};
    p.stream(id).insts.push_back(inst);
  }
  return p;
}

std::string to_text(const Program &p) {
  std::string s;
  llvm::raw_string_ostream os(s);
  print_program(os, p);
  return os.str();
}

// `body` (a program file without its checksum) with a correct checksum
// appended: how a corruption would look without the checksum.
std::string restamp(const std::string &body) {
  uint32_t crc = llvm::crc32(llvm::arrayRefFromStringRef(body));
  return body + std::string(reinterpret_cast<const char *>(&crc), 4);
}

} // namespace

TEST_CASE("stream names: core 0's unprefixed, core 1's 'core1.'") {
  CHECK(stream_name(StreamId{Engine::dma, 3, 0}) == "dma3");
  CHECK(stream_name(StreamId{Engine::dma, 3, 1}) == "core1.dma3");
  CHECK(stream_name(StreamId{Engine::gpsimd, 0, 1}) == "core1.gpsimd");
  for (const char *n : {"tensor", "dma15", "core1.vector", "core1.dma0"}) {
    auto id = parse_stream_name(n);
    REQUIRE(id);
    CHECK(stream_name(*id) == n);
  }
  for (const char *bad : {"core0.dma0", "core1dma0", "core.dma0", "core1.", "core01.tensor", "core1.dma"})
    CHECK_FALSE(parse_stream_name(bad));
  // Core 1's streams sort after all of core 0's.
  CHECK(StreamId{Engine::dma, 15, 0} < StreamId{Engine::tensor, 0, 1});
}

TEST_CASE("binary encode/decode round-trips random programs exactly") {
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    Program p = random_program(seed);
    std::string bytes = encode_program(p);
    auto back = decode_program(bytes);
    REQUIRE_MESSAGE(back, llvm::toString(back.takeError()));
    CHECK(*back == p);
    CHECK(encode_program(*back) == bytes);
  }
}

TEST_CASE("binary -> text -> binary is bit-identical; text -> binary -> text is byte-identical") {
  for (uint64_t seed = 100; seed < 150; ++seed) {
    Program p = random_program(seed);
    std::string bytes = encode_program(p);
    std::string text = to_text(p);
    auto parsed = parse_assembly(text, "rt.s");
    REQUIRE_MESSAGE(parsed, llvm::toString(parsed.takeError()) << "\n" << text);
    CHECK(encode_program(*parsed) == bytes);
    auto decoded = decode_program(encode_program(*parsed));
    REQUIRE(decoded);
    CHECK(to_text(*decoded) == text);
  }
}

TEST_CASE("decoder rejects bad magic, unknown versions and every truncation") {
  Program p = random_program(7);
  std::string bytes = encode_program(p);
  {
    std::string bad = bytes;
    bad[0] = 'X';
    auto r = decode_program(bad);
    REQUIRE_FALSE(r);
    CHECK(llvm::toString(r.takeError()).find("bad magic") != std::string::npos);
  }
  {
    std::string bad = bytes;
    bad[8] = 13;
    auto r = decode_program(bad);
    REQUIRE_FALSE(r);
    CHECK(llvm::toString(r.takeError()).find("version 13") != std::string::npos);
  }
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto r = decode_program(llvm::StringRef(bytes).take_front(n));
    REQUIRE_FALSE(r);
    llvm::consumeError(r.takeError());
  }
  {
    auto r = decode_program(bytes + "x");
    REQUIRE_FALSE(r);
    CHECK(llvm::toString(r.takeError()).find("checksum mismatch") != std::string::npos);
  }
  {
    // Trailing bytes inside a valid checksum: the structure check still sees them.
    std::string body = bytes.substr(0, bytes.size() - 4) + "x";
    auto r = decode_program(restamp(body));
    REQUIRE_FALSE(r);
    CHECK(llvm::toString(r.takeError()).find("trailing") != std::string::npos);
  }
  {
    std::string old = bytes;
    old[8] = 1;
    auto r = decode_program(old);
    REQUIRE_FALSE(r);
    CHECK(llvm::toString(r.takeError()).find("version 1 (this build reads version 12; recompile") != std::string::npos);
  }
}

TEST_CASE("the checksum catches every corruption, including ones that decode to another valid program") {
  Program p = random_program(11);
  std::string bytes = encode_program(p);
  std::mt19937_64 rng(5);
  int valid_without_checksum = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string bad = bytes;
    int flips = 1 + int(rng() % 4);
    for (int f = 0; f < flips; ++f) bad[12 + rng() % (bad.size() - 12)] ^= char(1 + rng() % 255);
    if (bad == bytes) continue;
    auto r = decode_program(bad);
    REQUIRE_FALSE(r);
    std::string msg = llvm::toString(r.takeError());
    CHECK_MESSAGE(msg.find("checksum mismatch") != std::string::npos, msg);
    // What the checksum saves us from: the same bytes with a fresh checksum.
    auto unchecked = decode_program(restamp(bad.substr(0, bad.size() - 4)));
    if (unchecked)
      ++valid_without_checksum;
    else
      llvm::consumeError(unchecked.takeError());
  }
  MESSAGE(valid_without_checksum << " of 3000 corruptions decode to a valid program without the checksum");
}

TEST_CASE("decoder never crashes on corrupted bytes behind a valid checksum") {
  Program p = random_program(11);
  std::string bytes = encode_program(p);
  std::mt19937_64 rng(3);
  int accepted = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string bad = bytes.substr(0, bytes.size() - 4);
    int flips = 1 + int(rng() % 4);
    for (int f = 0; f < flips; ++f) bad[8 + rng() % (bad.size() - 8)] = char(rng());
    bad = restamp(bad); // so the structural checks, not the checksum, see the damage
    auto r = decode_program(bad);
    if (r) {
      ++accepted;
      // Whatever decodes must be printable and re-encodable without trouble.
      CHECK(encode_program(*r).size() == bad.size());
    } else {
      llvm::consumeError(r.takeError());
    }
  }
  CHECK(accepted < 3000);
}

TEST_CASE("float attributes keep their exact bits through text") {
  for (uint32_t bits : {0x7fc00000u, 0x7fc00001u, 0xffc00000u, 0x80000000u, 0x00000001u, 0x7f7fffffu}) {
    Program p;
    p.kernel = "f";
    p.target = "trn2";
    Instruction inst = Instruction::make(Opcode::memset);
    inst.ap[ap::memset::dst] = AccessPattern{Memory::sbuf, Dtype::f32, 1, 0, 1, 0, {Dim{1, 4}}};
    inst.attr[attr::memset::value].i = bits;
    p.stream({Engine::vector, 0}).insts.push_back(inst);
    auto back = parse_assembly(to_text(p), "f.s");
    REQUIRE(back);
    CHECK(uint32_t(back->streams[0].insts[0].attr[attr::memset::value].i) == bits);
  }
}

TEST_CASE("a shuffle_mask (Bytes32) keeps all 32 bytes through binary and text, and the text is one list") {
  Program p;
  p.kernel = "s";
  p.target = "trn2";
  Instruction inst = Instruction::make(Opcode::nc_stream_shuffle);
  inst.ap[ap::nc_stream_shuffle::dst] = AccessPattern{Memory::sbuf, Dtype::f32, 1, 0, 128, 0, {Dim{1, 4}}};
  inst.ap[ap::nc_stream_shuffle::src] = AccessPattern{Memory::psum, Dtype::f32, 1, 0, 128, 64, {Dim{1, 4}}};
  const unsigned mask = attr::nc_stream_shuffle::shuffle_mask;
  for (unsigned j = 0; j < 32; ++j) inst.set_byte(mask, j, uint8_t(j % 5 == 0 ? 255 : (j * 11) % 32));
  p.stream({Engine::vector, 0}).insts.push_back(inst);
  auto decoded = decode_program(encode_program(p));
  REQUIRE(decoded);
  auto parsed = parse_assembly(to_text(p), "s.s");
  REQUIRE(parsed);
  for (const Program *q : {&*decoded, &*parsed}) {
    const Instruction &back = q->streams[0].insts[0];
    for (unsigned j = 0; j < 32; ++j) CHECK(back.get_byte(mask, j) == inst.get_byte(mask, j));
    CHECK(back == inst);
  }
  const std::string text = to_text(p);
  CHECK(text.find("shuffle_mask=[255,11,22,1,12,255,2,13,") != std::string::npos);
  CHECK(text.find("shuffle_mask=", text.find("shuffle_mask=") + 1) == std::string::npos); // no Cont slot printed
}

TEST_CASE("assembler errors are typed as rendered diagnostics; other errors are not") {
  auto bad = parse_assembly(".kernel k\n.target trn2\nbogus\n", "bad.s");
  REQUIRE(!bad);
  llvm::Error e = bad.takeError();
  auto text = take_rendered(e);
  REQUIRE(text);
  CHECK(text->find("bad.s:3:1: error: unknown instruction 'bogus'") == 0);
  CHECK(!e); // consumed
  llvm::Error plain = llvm::createStringError(llvm::inconvertibleErrorCode(), "x.s:1:1: error: looks rendered");
  CHECK(!take_rendered(plain)); // the wording does not make it one
  CHECK(llvm::toString(std::move(plain)) == "x.s:1:1: error: looks rendered");
}
