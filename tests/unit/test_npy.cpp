// .npy reader/writer: round trips, every error path, and interchange with
// real NumPy (/usr/bin/python3) in both directions.
#include "runtime/npy.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

using namespace nk;

namespace {

std::string error_of(llvm::Expected<HostTensor> r) {
  if (r) return "";
  return llvm::toString(r.takeError());
}
// "" on success, else the message.
std::string error_of(llvm::Error e) { return e ? llvm::toString(std::move(e)) : ""; }

// A .npy file's bytes with an arbitrary header text (version 1.0).
std::string make_npy(const std::string &dict, const std::string &data, char major = 1) {
  std::string header = dict + "\n";
  std::string out = "\x93NUMPY";
  out += major;
  out += '\0';
  if (major == 1) {
    out += char(header.size() & 0xff);
    out += char(header.size() >> 8);
  } else {
    out += char(header.size() & 0xff);
    out += char(header.size() >> 8);
    out += '\0';
    out += '\0';
  }
  return out + header + data;
}

std::string floats_bytes(std::initializer_list<float> v) {
  std::string s;
  for (float f : v) s.append(reinterpret_cast<const char *>(&f), 4);
  return s;
}

struct TempDir {
  llvm::SmallString<128> path;
  TempDir() { REQUIRE(!llvm::sys::fs::createUniqueDirectory("nk-npy-test", path)); }
  ~TempDir() { llvm::sys::fs::remove_directories(path); }
  std::string file(const std::string &name) const { return (path + "/" + name).str(); }
};

bool have_numpy() { return std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0; }

int run_python(const TempDir &dir, const std::string &script) {
  std::string py = dir.file("script.py");
  std::ofstream(py) << script;
  std::string cmd = "cd '" + dir.path.str().str() + "' && /usr/bin/python3 script.py > py.out 2>&1";
  int rc = std::system(cmd.c_str());
  if (rc != 0) {
    std::ifstream in(dir.file("py.out"));
    std::stringstream ss;
    ss << in.rdbuf();
    MESSAGE("python output:\n" << ss.str());
  }
  return rc;
}

} // namespace

TEST_CASE("npy: round trip of every dtype") {
  for (Dtype t : {Dtype::f32, Dtype::f16, Dtype::bf16, Dtype::i32, Dtype::u8}) {
    HostTensor h = HostTensor::from_floats(t, {2, 3}, {1, -2, 3.5f, 0, 100, 7});
    auto back = parse_npy(encode_npy(h), "mem.npy");
    REQUIRE(back);
    CHECK(*back == h);
  }
  // Shapes: 0-d, 1-d, and an empty tensor.
  for (std::vector<int64_t> shape : {std::vector<int64_t>{}, {5}, {0, 3}, {2, 1, 4}}) {
    HostTensor h(Dtype::f32, shape);
    for (uint64_t i = 0; i < h.num_elements(); ++i) h.set_f32(i, float(i) * 0.25f);
    std::string bytes = encode_npy(h);
    CHECK((bytes.size() - h.size_bytes()) % 64 == 0); // data is 64-byte aligned
    auto back = parse_npy(bytes, "mem.npy");
    REQUIRE(back);
    CHECK(*back == h);
  }
}

TEST_CASE("npy: header variants other writers produce") {
  std::string two = floats_bytes({1.5f, -2.0f});
  // Key order, spacing, no trailing comma, double quotes, Python-2 long ints.
  auto a = parse_npy(make_npy("{\"shape\":(2L,),\"fortran_order\":False,\"descr\":\"<f4\"}", two), "a.npy");
  REQUIRE(a);
  CHECK(a->shape == std::vector<int64_t>{2});
  CHECK(a->get_f32(1) == -2.0f);
  // Version 2.0 header (4-byte length).
  auto b = parse_npy(make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }", two, 2), "b.npy");
  REQUIRE(b);
  CHECK(b->shape == std::vector<int64_t>{1, 2});
  // Big-endian data is byte-swapped.
  std::string be = two;
  std::reverse(be.begin(), be.begin() + 4);
  std::reverse(be.begin() + 4, be.end());
  auto c = parse_npy(make_npy("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", be), "c.npy");
  REQUIRE(c);
  CHECK(c->get_f32(0) == 1.5f);
  // Fortran order with a single non-unit axis has C-order bytes: accepted.
  auto d = parse_npy(make_npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 1), }", two), "d.npy");
  REQUIRE(d);
  // bf16 spellings: '<V2' (ml_dtypes via np.save) and 'bfloat16'; '<u2' is uint16 unless bf16 is asked for.
  std::string bf(2, '\0');
  bf[1] = char(0x3f), bf[0] = char(0x80); // 1.0 in bf16
  for (const char *descr : {"<V2", "bfloat16"}) {
    auto e = parse_npy(make_npy(std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (1,), }", bf),
                       "e.npy");
    REQUIRE(e);
    CHECK(e->dtype == Dtype::bf16);
    CHECK(e->get_f32(0) == 1.0f);
  }
  std::string u2 = make_npy("{'descr': '<u2', 'fortran_order': False, 'shape': (1,), }", bf);
  auto as_u16 = parse_npy(u2, "u2.npy");
  REQUIRE(as_u16);
  CHECK(as_u16->dtype == Dtype::u16);
  CHECK(as_u16->get_f32(0) == 16256.0f); // 0x3f80
  NpyReadOptions opts;
  opts.u2_as_bf16 = true;
  auto f = parse_npy(u2, "u2.npy", opts);
  REQUIRE(f);
  CHECK(f->dtype == Dtype::bf16);
  CHECK(f->get_f32(0) == 1.0f);
}

TEST_CASE("npy: the narrow integer and fp8 dtypes round-trip") {
  for (Dtype t : {Dtype::i8, Dtype::i16, Dtype::u16, Dtype::u32, Dtype::f8e4m3, Dtype::f8e5m2}) {
    HostTensor x(t, {3});
    x.set_f32(0, 1.0f), x.set_f32(1, 2.0f), x.set_f32(2, 3.0f);
    NpyReadOptions opts;
    opts.v1_as = t; // ignored unless the descr is '|V1'
    auto back = parse_npy(encode_npy(x), "x.npy", opts);
    REQUIRE(back);
    CHECK(back->dtype == t);
    CHECK(back->data == x.data);
  }
  // '|V1' does not say which fp8: without the caller's answer it is an error.
  HostTensor f8(Dtype::f8e5m2, {1});
  std::string v1 = encode_npy(f8);
  CHECK(v1.find("'descr': '|V1'") != std::string::npos);
  CHECK(error_of(parse_npy(v1, "v1.npy")).find("does not say e4m3 or e5m2") != std::string::npos);
  for (const char *descr : {"float8_e4m3", "float8_e5m2"}) {
    auto e = parse_npy(make_npy(std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (1,), }",
                                std::string(1, char(0x38))),
                       "e.npy");
    REQUIRE(e);
    CHECK(e->dtype == (descr[8] == '4' ? Dtype::f8e4m3 : Dtype::f8e5m2));
  }
  CHECK(error_of(parse_npy(make_npy("{'descr': '<u8', 'fortran_order': False, 'shape': (1,), }", std::string(8, '\0')),
                           "u64.npy"))
            .find("uint64") != std::string::npos);
}

TEST_CASE("npy: every malformed file is a clear error naming the file") {
  std::string ok_dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  std::string two = floats_bytes({1, 2});
  struct Case {
    std::string bytes, expect;
  };
  std::vector<Case> cases = {
      {"", "bad magic"},
      {"PK\x03\x04 this is a zip", "bad magic"},
      {"\x93NUMPY", "no format version"},
      {std::string("\x93NUMPY\x01\x00", 8), "no header length"},
      {make_npy(ok_dict, two, 4), "unsupported .npy format version 4.0"},
      {make_npy(ok_dict, "").substr(0, 30), "truncated .npy file: header says"},
      {make_npy(ok_dict, floats_bytes({1})), "truncated .npy file: f32[2] needs 8 data bytes, file has 4"},
      {make_npy(ok_dict, two + "xx"), "2 unexpected bytes after the data"},
      {make_npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", std::string(24, '\0')),
       "Fortran-order arrays are not supported"},
      {make_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", std::string(16, '\0')),
       "unsupported dtype '<f8' (float64"},
      {make_npy("{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }", "\1\0"), "unsupported dtype '|b1'"},
      {make_npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", two), "structured arrays"},
      {make_npy("{'descr': '<f4', 'shape': (2,), }", two), "missing key 'fortran_order'"},
      {make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}", two), "unexpected key 'extra'"},
      {make_npy("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }", two), "'fortran_order' is not True or False"},
      {make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': [2], }", two), "'shape' is not a tuple"},
      {make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", two), "non-negative integers"},
      {make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,) ", two), "expected ',' or '}'"},
      {make_npy("{'descr': '<f4, 'fortran_order': False, 'shape': (2,), }", two), "malformed .npy header"},
      {make_npy("['descr', '<f4']", two), "expected '{'"},
      {make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1048576, 1048576, 1048576), }", two),
       "'shape' is too large"},
  };
  for (const Case &c : cases) {
    std::string msg = error_of(parse_npy(c.bytes, "in.npy"));
    INFO("expected: " << c.expect << "\n got: " << msg);
    CHECK(msg.rfind("in.npy: ", 0) == 0);
    CHECK(msg.find(c.expect) != std::string::npos);
  }
}

TEST_CASE("npy: files on disk; a failed write leaves nothing behind") {
  TempDir dir;
  HostTensor h = HostTensor::from_floats(Dtype::f32, {3}, {1, 2, 3});
  std::string path = dir.file("x.npy");
  REQUIRE(error_of(write_npy(path, h)) == "");
  auto back = read_npy(path);
  REQUIRE(back);
  CHECK(*back == h);
  // Overwriting keeps the old file until the new one is complete.
  HostTensor h2 = HostTensor::from_floats(Dtype::f32, {2}, {5, 6});
  REQUIRE(error_of(write_npy(path, h2)) == "");
  CHECK(*read_npy(path) == h2);

  std::string missing = error_of(read_npy(dir.file("nope.npy")));
  CHECK(missing.find("nope.npy: cannot read") != std::string::npos);

  // Writing into a directory that does not exist fails and creates nothing.
  std::string bad = dir.file("no/such/dir/y.npy");
  CHECK(error_of(write_npy(bad, h)).find("cannot write " + bad) != std::string::npos);
  // Writing over a directory fails at the rename; the temporary is removed.
  std::string sub = dir.file("sub");
  REQUIRE(!llvm::sys::fs::create_directory(sub));
  REQUIRE(!llvm::sys::fs::create_directory(sub + "/z.npy"));
  std::string blocked = sub + "/z.npy";
  CHECK(error_of(write_npy(blocked, h)).find("cannot write " + blocked) != std::string::npos);
  std::error_code ec;
  unsigned entries = 0;
  for (llvm::sys::fs::directory_iterator it(sub, ec), end; it != end && !ec; it.increment(ec)) ++entries;
  CHECK(entries == 1); // only the directory z.npy itself
}

TEST_CASE("npy: written files load in real NumPy, and NumPy's files load here") {
  if (!have_numpy()) {
    MESSAGE("skipped: /usr/bin/python3 has no numpy");
    return;
  }
  TempDir dir;
  HostTensor f32 = HostTensor::from_floats(Dtype::f32, {2, 3}, {1, -2, 3.25f, 1e-30f, 6e20f, -0.0f});
  HostTensor f16 = HostTensor::from_floats(Dtype::f16, {4}, {1, -2, 65504, 0.000061035156f});
  HostTensor bf16 = HostTensor::from_floats(Dtype::bf16, {3}, {1, -2.5f, 3.0e38f});
  HostTensor i32 = HostTensor::from_floats(Dtype::i32, {2, 2}, {1, -2, 2147483520.0f, 0});
  HostTensor u8 = HostTensor::from_floats(Dtype::u8, {3}, {0, 7, 255});
  HostTensor scalar = HostTensor::from_floats(Dtype::f32, {}, {42});
  REQUIRE(error_of(write_npy(dir.file("f32.npy"), f32)) == "");
  REQUIRE(error_of(write_npy(dir.file("f16.npy"), f16)) == "");
  REQUIRE(error_of(write_npy(dir.file("bf16.npy"), bf16)) == "");
  NpyWriteOptions u2;
  u2.bf16 = Bf16Descr::uint16;
  REQUIRE(error_of(write_npy(dir.file("bf16u2.npy"), bf16, u2)) == "");
  REQUIRE(error_of(write_npy(dir.file("i32.npy"), i32)) == "");
  REQUIRE(error_of(write_npy(dir.file("u8.npy"), u8)) == "");
  REQUIRE(error_of(write_npy(dir.file("scalar.npy"), scalar)) == "");
  const char *script = R"PY(
import numpy as np
def same(a, b):
    assert a.dtype == b.dtype and a.shape == b.shape, (a.dtype, a.shape, b.dtype, b.shape)
    assert a.tobytes() == b.tobytes(), (a, b)
same(np.load('f32.npy'), np.array([[1, -2, 3.25], [1e-30, 6e20, -0.0]], dtype=np.float32))
same(np.load('f16.npy'), np.array([1, -2, 65504, 0.000061035156], dtype=np.float16))
same(np.load('i32.npy'), np.array([[1, -2], [2147483520, 0]], dtype=np.int32))
same(np.load('u8.npy'), np.array([0, 7, 255], dtype=np.uint8))
same(np.load('scalar.npy'), np.array(42, dtype=np.float32))
v = np.load('bf16.npy')
assert v.dtype == np.dtype('V2'), v.dtype
bits = v.view('<u2').astype(np.uint32) << 16
# Expected: fp32 values rounded to bf16 (nearest even) with integer arithmetic.
src = np.array([1, -2.5, 3.0e38], dtype=np.float32).view(np.uint32).astype(np.uint64)
rounded = (((src + 0x7fff + ((src >> 16) & 1)) >> 16) << 16).astype(np.uint32)
same(bits.view(np.float32), rounded.view(np.float32))
same(np.load('bf16u2.npy'), v.view('<u2'))
# Files NumPy writes, in every format version, for the C++ side to read.
from numpy.lib import format as npf
x = (np.arange(12, dtype=np.float32).reshape(3, 4) - 5.5) / 3
for ver in [(1, 0), (2, 0), (3, 0)]:
    with open('np_v%d.npy' % ver[0], 'wb') as f:
        npf.write_array(f, x, version=ver)
np.save('np_i32.npy', np.array([[-7, 8]], dtype=np.int32))
np.save('np_f16.npy', np.array([0.5, -3], dtype=np.float16))
np.save('np_u8.npy', np.array([9], dtype=np.uint8))
np.save('np_f8.npy', np.zeros(2))
np.save('np_fortran.npy', np.asfortranarray(x))
np.save('np_big.npy', x.astype('>f4'))
)PY";
  REQUIRE(run_python(dir, script) == 0);

  std::vector<float> xs;
  for (int i = 0; i < 12; ++i) xs.push_back((float(i) - 5.5f) / 3.0f);
  HostTensor x = HostTensor::from_floats(Dtype::f32, {3, 4}, xs);
  for (const char *name : {"np_v1.npy", "np_v2.npy", "np_v3.npy", "np_big.npy"}) {
    auto t = read_npy(dir.file(name));
    REQUIRE_MESSAGE(t, name);
    CHECK(*t == x);
  }
  CHECK(*read_npy(dir.file("np_i32.npy")) == HostTensor::from_floats(Dtype::i32, {1, 2}, {-7, 8}));
  CHECK(*read_npy(dir.file("np_f16.npy")) == HostTensor::from_floats(Dtype::f16, {2}, {0.5f, -3}));
  CHECK(*read_npy(dir.file("np_u8.npy")) == HostTensor::from_floats(Dtype::u8, {1}, {9}));
  CHECK(error_of(read_npy(dir.file("np_f8.npy"))).find("unsupported dtype '<f8'") != std::string::npos);
  CHECK(error_of(read_npy(dir.file("np_fortran.npy"))).find("Fortran-order") != std::string::npos);
}

TEST_CASE("npy: every truncation and header corruption is an error, never a crash") {
  HostTensor h = HostTensor::from_floats(Dtype::f32, {3, 5}, std::vector<float>(15, 1.5f));
  std::string good = encode_npy(h);
  for (size_t n = 0; n < good.size(); ++n) {
    auto r = parse_npy(llvm::StringRef(good.data(), n), "cut.npy");
    INFO("prefix of " << n << " bytes");
    REQUIRE(!r);
    CHECK(llvm::toString(r.takeError()).rfind("cut.npy: ", 0) == 0);
  }
  // Flip every header byte to a few values: either a clean error or, when
  // the header stays valid (e.g. a space becomes a tab), a tensor whose
  // bytes are all accounted for. Run under the sanitizers in CI.
  size_t header_end = good.size() - h.size_bytes();
  for (size_t i = 0; i < header_end; ++i)
    for (char c : {'\0', '\xff', '(', ')', '\'', ',', '9', ' '}) {
      std::string bad = good;
      bad[i] = c;
      auto r = parse_npy(bad, "bad.npy");
      if (r)
        CHECK(r->data.size() == r->size_bytes());
      else
        CHECK(llvm::toString(r.takeError()).rfind("bad.npy: ", 0) == 0);
    }
}

// read_npy_into against read_npy, on files: the same values (placed where
// the caller says, big-endian data swapped), the same error for every bad
// file, and nothing read when `place` refuses.
TEST_CASE("npy: read_npy_into reads what read_npy reads, and fails the same way") {
  TempDir dir;
  auto write = [&](const std::string &name, const std::string &bytes) {
    std::string path = dir.file(name);
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  };
  // Reads `path` both ways: "" and the same bytes, or both errors equal.
  auto same_both_ways = [&](const std::string &path) {
    auto whole = read_npy(path);
    std::vector<uint8_t> placed;
    auto layout = read_npy_into(path, {}, [&](const NpyLayout &l) -> llvm::Expected<uint8_t *> {
      placed.assign(l.data_bytes, 0xAB);
      return placed.data();
    });
    if (!whole) {
      REQUIRE(!layout);
      CHECK(llvm::toString(layout.takeError()) == llvm::toString(whole.takeError()));
      return;
    }
    REQUIRE(layout);
    CHECK(layout->dtype == whole->dtype);
    CHECK(layout->shape == whole->shape);
    CHECK(placed == whole->data);
  };
  HostTensor h = HostTensor::from_floats(Dtype::f32, {3, 5}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15});
  const std::string good = encode_npy(h);
  same_both_ways(write("good.npy", good));
  // Big-endian data, and a version 2.0 header.
  std::string big;
  for (float f : {1.5f, -2.0f}) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    for (int b = 3; b >= 0; --b) big += char((u >> (8 * b)) & 0xff);
  }
  const std::string be = make_npy("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", big);
  same_both_ways(write("be.npy", be));
  const std::string v2 = make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", floats_bytes({3, 4}), 2);
  same_both_ways(write("v2.npy", v2));
  {
    auto r = read_npy(dir.file("be.npy"));
    REQUIRE(r);
    CHECK(r->get_f32(0) == 1.5f);
    CHECK(r->get_f32(1) == -2.0f);
  }
  // Every prefix of a good file, and single-byte corruptions of its header.
  for (size_t n = 0; n < good.size(); n += (n < 140 ? 1 : 7)) same_both_ways(write("cut.npy", good.substr(0, n)));
  const size_t header_end = good.size() - h.size_bytes();
  for (size_t i = 0; i < header_end; ++i)
    for (char c : {'\0', '\xff', '(', '9'}) {
      std::string bad = good;
      bad[i] = c;
      same_both_ways(write("bad.npy", bad));
    }
  same_both_ways(dir.file("missing.npy"));
  // A refusal from `place` is the error, and no data is read.
  bool placed = false;
  auto refused = read_npy_into(write("good.npy", good), {}, [&](const NpyLayout &) -> llvm::Expected<uint8_t *> {
    placed = true;
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "not here");
  });
  CHECK(placed);
  REQUIRE(!refused);
  CHECK(llvm::toString(refused.takeError()) == "not here");
}
