// .npy reader and writer (see npy.h and docs/npy.md).
//
// The header is a Python dict literal; it is parsed by a small literal
// parser (strings, True/False/None, integers, tuples, lists) rather than
// pattern-matched, so that key order, spacing and trailing commas written by
// other tools are accepted and anything else is reported precisely.
#include "runtime/npy.h"

#include "runtime/output_files.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Process.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <tuple>
#include <unistd.h>

namespace nk {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;

llvm::Error npy_error(llvm::StringRef name, const std::string &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), "%s: %s", name.str().c_str(), msg.c_str());
}

// A Python literal value as it can appear in a .npy header.
struct PyValue {
  enum Kind { str, boolean, none, integer, tuple, list } kind = none;
  std::string s;
  bool b = false;
  int64_t i = 0;
  std::vector<PyValue> items;
};

// Recursive-descent parser for the header's dict literal. Errors carry the
// byte offset within the header text.
class HeaderParser {
public:
  explicit HeaderParser(llvm::StringRef text) : text_(text) {}

  llvm::Expected<std::map<std::string, PyValue>> parse_dict() {
    std::map<std::string, PyValue> dict;
    skip_space();
    if (!eat('{')) return fail("expected '{' at the start of the header dict");
    skip_space();
    while (!eat('}')) {
      auto key = parse_value();
      if (!key) return key.takeError();
      if (key->kind != PyValue::str) return fail("header dict keys must be strings");
      skip_space();
      if (!eat(':')) return fail("expected ':' after key '" + key->s + "'");
      auto value = parse_value();
      if (!value) return value.takeError();
      if (dict.count(key->s)) return fail("duplicate key '" + key->s + "'");
      dict[key->s] = std::move(*value);
      skip_space();
      if (eat(',')) {
        skip_space();
        continue;
      }
      if (peek() != '}') return fail("expected ',' or '}' in the header dict");
    }
    skip_space();
    if (pos_ != text_.size()) return fail("unexpected text after the header dict");
    return dict;
  }

private:
  llvm::StringRef text_;
  size_t pos_ = 0;

  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  void skip_space() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r'))
      ++pos_;
  }
  llvm::Error fail(const std::string &msg) const {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "%s (at header offset %zu)", msg.c_str(), pos_);
  }

  llvm::Expected<PyValue> parse_value() {
    skip_space();
    PyValue v;
    char c = peek();
    if (c == '\'' || c == '"') {
      ++pos_;
      size_t start = pos_;
      while (pos_ < text_.size() && text_[pos_] != c) {
        if (text_[pos_] == '\\') return fail("escapes in header strings are not supported");
        ++pos_;
      }
      if (pos_ >= text_.size()) return fail("unterminated string");
      v.kind = PyValue::str;
      v.s = text_.substr(start, pos_ - start).str();
      ++pos_;
      return v;
    }
    if (c == '(' || c == '[') {
      char close = c == '(' ? ')' : ']';
      ++pos_;
      v.kind = c == '(' ? PyValue::tuple : PyValue::list;
      skip_space();
      while (!eat(close)) {
        auto item = parse_value();
        if (!item) return item.takeError();
        v.items.push_back(std::move(*item));
        skip_space();
        if (eat(',')) {
          skip_space();
          continue;
        }
        if (peek() != close) return fail(std::string("expected ',' or '") + close + "'");
      }
      return v;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      bool neg = eat('-');
      if (!(peek() >= '0' && peek() <= '9')) return fail("expected a digit");
      uint64_t n = 0;
      while (peek() >= '0' && peek() <= '9') {
        n = n * 10 + uint64_t(peek() - '0');
        if (n > (uint64_t(1) << 62)) return fail("integer too large");
        ++pos_;
      }
      eat('L'); // Python 2 long suffix, written by old NumPy
      v.kind = PyValue::integer;
      v.i = neg ? -int64_t(n) : int64_t(n);
      return v;
    }
    for (auto [word, kind, b] :
         {std::tuple{"True", PyValue::boolean, true}, std::tuple{"False", PyValue::boolean, false},
          std::tuple{"None", PyValue::none, false}}) {
      if (text_.substr(pos_).startswith(word)) {
        pos_ += std::strlen(word);
        v.kind = kind;
        v.b = b;
        return v;
      }
    }
    return fail(pos_ < text_.size() ? std::string("unexpected character '") + c + "'"
                                    : std::string("unexpected end of header"));
  }
};

struct DescrInfo {
  Dtype dtype;
  bool swap_bytes; // big-endian data
};

// Maps a descr string to our dtype, or explains why it is not supported.
llvm::Expected<DescrInfo> parse_descr(llvm::StringRef descr, const NpyReadOptions &opts) {
  auto unsupported = [&](const std::string &why) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "unsupported dtype '%s'%s (supported: '<f4', '<f2', '<i4', '<i2', '|i1', "
                                   "'<u4', '<u2', '|u1', bf16 as '<V2' or 'bfloat16', fp8 as '|V1', "
                                   "'float8_e4m3' or 'float8_e5m2')",
                                   descr.str().c_str(), why.c_str());
  };
  if (descr == "bfloat16") return DescrInfo{Dtype::bf16, false};
  if (descr == "float8_e4m3") return DescrInfo{Dtype::f8e4m3, false};
  if (descr == "float8_e5m2") return DescrInfo{Dtype::f8e5m2, false};
  if (descr.size() < 3) return unsupported("");
  char order = descr[0];
  if (order != '<' && order != '>' && order != '|' && order != '=') return unsupported("");
  llvm::StringRef code = descr.substr(1);
  bool big = order == '>';
  if (code == "f4") return DescrInfo{Dtype::f32, big};
  if (code == "f2") return DescrInfo{Dtype::f16, big};
  if (code == "i4") return DescrInfo{Dtype::i32, big};
  if (code == "i2") return DescrInfo{Dtype::i16, big};
  if (code == "i1") return DescrInfo{Dtype::i8, false};
  if (code == "u4") return DescrInfo{Dtype::u32, big};
  if (code == "u1") return DescrInfo{Dtype::u8, false};
  if (code == "V2") return DescrInfo{Dtype::bf16, big};
  if (code == "u2") return DescrInfo{opts.u2_as_bf16 ? Dtype::bf16 : Dtype::u16, big};
  if (code == "V1") {
    if (opts.v1_as && dtype_is_fp8(*opts.v1_as)) return DescrInfo{*opts.v1_as, false};
    return unsupported(" (one-byte void: fp8 data, but the file does not say e4m3 or e5m2; it is read as "
                       "the fp8 dtype of the tensor it is bound to)");
  }
  if (code == "f8") return unsupported(" (float64: convert with .astype(np.float32))");
  if (code == "i8") return unsupported(" (int64: convert with .astype(np.int32))");
  if (code == "u8") return unsupported(" (uint64: convert with .astype(np.uint32))");
  return unsupported("");
}

void swap_elements(uint8_t *data, uint64_t bytes, unsigned size) {
  for (uint64_t i = 0; i + size <= bytes; i += size) std::reverse(data + i, data + i + size);
}

} // namespace

// The header of a .npy file of `file_size` bytes whose first bytes are
// `bytes` (at least the header, or the whole file), checked.
static llvm::Expected<NpyLayout> parse_npy_layout(llvm::StringRef bytes, uint64_t file_size, llvm::StringRef name,
                                                  const NpyReadOptions &opts) {
  if (bytes.size() < kMagicLen || bytes.substr(0, kMagicLen) != llvm::StringRef(kMagic, kMagicLen))
    return npy_error(name, "not a .npy file (bad magic: expected \\x93NUMPY)");
  if (bytes.size() < kMagicLen + 2) return npy_error(name, "truncated .npy file: no format version");
  unsigned major = uint8_t(bytes[6]), minor = uint8_t(bytes[7]);
  size_t len_bytes;
  if (major == 1 && minor == 0)
    len_bytes = 2;
  else if ((major == 2 || major == 3) && minor == 0)
    len_bytes = 4;
  else
    return npy_error(name,
                     fmt::format("unsupported .npy format version {}.{} (supported: 1.0, 2.0, 3.0)", major, minor));
  size_t prefix = kMagicLen + 2 + len_bytes;
  if (bytes.size() < prefix) return npy_error(name, "truncated .npy file: no header length");
  uint64_t header_len = 0;
  for (size_t i = 0; i < len_bytes; ++i) header_len |= uint64_t(uint8_t(bytes[8 + i])) << (8 * i);
  if (file_size < prefix + header_len || bytes.size() < prefix + header_len)
    return npy_error(name, fmt::format("truncated .npy file: header says {} header bytes, file has {}", header_len,
                                       file_size - prefix));
  llvm::StringRef header = bytes.substr(prefix, header_len);

  auto dict = HeaderParser(header).parse_dict();
  if (!dict) return npy_error(name, "malformed .npy header: " + llvm::toString(dict.takeError()));
  for (const char *key : {"descr", "fortran_order", "shape"})
    if (!dict->count(key)) return npy_error(name, fmt::format("malformed .npy header: missing key '{}'", key));
  for (const auto &kv : *dict)
    if (kv.first != "descr" && kv.first != "fortran_order" && kv.first != "shape")
      return npy_error(name, fmt::format("malformed .npy header: unexpected key '{}'", kv.first));

  const PyValue &descr = dict->at("descr");
  if (descr.kind == PyValue::list) return npy_error(name, "unsupported dtype: structured arrays are not supported");
  if (descr.kind != PyValue::str) return npy_error(name, "malformed .npy header: 'descr' is not a string");
  auto info = parse_descr(descr.s, opts);
  if (!info) return npy_error(name, llvm::toString(info.takeError()));

  const PyValue &fortran = dict->at("fortran_order");
  if (fortran.kind != PyValue::boolean)
    return npy_error(name, "malformed .npy header: 'fortran_order' is not True or False");
  const PyValue &shape_value = dict->at("shape");
  if (shape_value.kind != PyValue::tuple) return npy_error(name, "malformed .npy header: 'shape' is not a tuple");

  NpyLayout t;
  t.dtype = info->dtype;
  t.swap_bytes = info->swap_bytes;
  uint64_t count = 1;
  for (const PyValue &d : shape_value.items) {
    if (d.kind != PyValue::integer || d.i < 0)
      return npy_error(name, "malformed .npy header: 'shape' entries must be non-negative integers");
    if (d.i > 0 && count > (uint64_t(1) << 48) / uint64_t(d.i))
      return npy_error(name, "malformed .npy header: 'shape' is too large");
    count *= uint64_t(d.i);
    t.shape.push_back(d.i);
  }
  // A Fortran-order array with at most one non-unit extent has the same
  // bytes as C order; anything else would be silently transposed.
  if (fortran.b) {
    unsigned non_unit = 0;
    for (int64_t d : t.shape) non_unit += d != 1;
    if (non_unit > 1)
      return npy_error(name, "Fortran-order arrays are not supported (save a C-order array, "
                             "e.g. np.save(f, np.ascontiguousarray(x)))");
  }

  uint64_t want = count * dtype_size(t.dtype);
  uint64_t have = file_size - prefix - header_len;
  if (have < want)
    return npy_error(name, fmt::format("truncated .npy file: {}{} needs {} data bytes, file has {}",
                                       dtype_name(t.dtype), format_shape(t.shape), want, have));
  if (have > want)
    return npy_error(name, fmt::format("{} unexpected bytes after the data of {}{}", have - want, dtype_name(t.dtype),
                                       format_shape(t.shape)));
  t.data_offset = prefix + header_len;
  t.data_bytes = want;
  return t;
}

llvm::Expected<HostTensor> parse_npy(llvm::StringRef bytes, llvm::StringRef name, const NpyReadOptions &opts) {
  auto layout = parse_npy_layout(bytes, bytes.size(), name, opts);
  if (!layout) return layout.takeError();
  HostTensor t;
  t.dtype = layout->dtype;
  t.shape = std::move(layout->shape);
  const uint8_t *p = reinterpret_cast<const uint8_t *>(bytes.data()) + layout->data_offset;
  t.data.assign(p, p + layout->data_bytes);
  if (layout->swap_bytes) swap_elements(t.data.data(), t.data.size(), dtype_size(t.dtype));
  return t;
}

llvm::Expected<HostTensor> read_npy(llvm::StringRef path, const NpyReadOptions &opts) {
  // Read, not mapped (IsVolatile): a mapped file faults its page-cache
  // pages in 4 KiB at a time, ~32k faults for a 128 MB tensor, which cost
  // more than the copy on a VM.
  auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/false, /*RequiresNullTerminator=*/false,
                                         /*IsVolatile=*/true);
  if (!buf) return npy_error(path, "cannot read: " + buf.getError().message());
  return parse_npy((*buf)->getBuffer(), path, opts);
}

llvm::Expected<NpyLayout> read_npy_into(llvm::StringRef path, const NpyReadOptions &opts,
                                        llvm::function_ref<llvm::Expected<uint8_t *>(const NpyLayout &)> place) {
  int fd = -1;
  if (std::error_code ec = llvm::sys::fs::openFileForRead(path, fd))
    return npy_error(path, "cannot read: " + ec.message());
  struct Close {
    int fd;
    ~Close() { llvm::sys::Process::SafelyCloseFileDescriptor(fd); }
  } close{fd};
  llvm::sys::fs::file_status status;
  if (std::error_code ec = llvm::sys::fs::status(fd, status)) return npy_error(path, "cannot read: " + ec.message());
  // A regular file is read in place with positioned reads; a pipe or a
  // device (/dev/stdin) is read whole first, its size not known ahead.
  std::unique_ptr<llvm::MemoryBuffer> whole;
  if (status.type() != llvm::sys::fs::file_type::regular_file) {
    auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/false, /*RequiresNullTerminator=*/false,
                                           /*IsVolatile=*/true);
    if (!buf) return npy_error(path, "cannot read: " + buf.getError().message());
    whole = std::move(*buf);
  }
  const uint64_t size = whole ? whole->getBufferSize() : status.getSize();
  // Reads [offset, offset + n) of the file into `out`.
  auto read_at = [&](uint64_t offset, uint64_t n, uint8_t *out) -> llvm::Error {
    if (n == 0) return llvm::Error::success(); // (an empty file: `out` may be null)
    if (whole) {
      std::memcpy(out, whole->getBufferStart() + offset, n);
      return llvm::Error::success();
    }
    while (n > 0) {
      const ssize_t got = ::pread(fd, out, size_t(std::min<uint64_t>(n, uint64_t(1) << 30)), off_t(offset));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0)
        return npy_error(path, "cannot read: " + (got < 0 ? std::error_code(errno, std::generic_category()).message()
                                                          : std::string("the file shrank while being read")));
      out += got;
      offset += uint64_t(got);
      n -= uint64_t(got);
    }
    return llvm::Error::success();
  };
  // The magic, version and header length, then the header.
  std::vector<uint8_t> head(size_t(std::min<uint64_t>(size, kMagicLen + 2 + 4)));
  if (llvm::Error e = read_at(0, head.size(), head.data())) return e;
  // (Only for a file that says it is one: the parser explains the rest.)
  if (head.size() >= kMagicLen + 2 + 4 && std::memcmp(head.data(), kMagic, kMagicLen) == 0 && head[7] == 0 &&
      head[6] >= 1 && head[6] <= 3) {
    const bool v1 = head[6] == 1;
    uint64_t header_len = head[8] | uint64_t(head[9]) << 8;
    if (!v1) header_len |= uint64_t(head[10]) << 16 | uint64_t(head[11]) << 24;
    const uint64_t end = std::min<uint64_t>(size, (v1 ? 10 : 12) + header_len);
    if (end > head.size()) {
      const size_t have = head.size();
      head.resize(size_t(end));
      if (llvm::Error e = read_at(have, end - have, head.data() + have)) return e;
    }
  }
  auto layout =
      parse_npy_layout(llvm::StringRef(reinterpret_cast<const char *>(head.data()), head.size()), size, path, opts);
  if (!layout) return layout.takeError();
  auto out = place(*layout);
  if (!out) return out.takeError();
  if (llvm::Error e = read_at(layout->data_offset, layout->data_bytes, *out)) return e;
  if (layout->swap_bytes) swap_elements(*out, layout->data_bytes, dtype_size(layout->dtype));
  return layout;
}

void write_npy(llvm::raw_ostream &os, const HostTensor &t, const NpyWriteOptions &opts) {
  const char *descr = "<f4";
  switch (t.dtype) {
  case Dtype::f32: descr = "<f4"; break;
  case Dtype::f16: descr = "<f2"; break;
  case Dtype::i32: descr = "<i4"; break;
  case Dtype::u8: descr = "|u1"; break;
  case Dtype::bf16: descr = opts.bf16 == Bf16Descr::void2 ? "<V2" : "<u2"; break;
  case Dtype::f8e4m3:
  case Dtype::f8e5m2: descr = "|V1"; break;
  case Dtype::i8: descr = "|i1"; break;
  case Dtype::i16: descr = "<i2"; break;
  case Dtype::u16: descr = "<u2"; break;
  case Dtype::u32: descr = "<u4"; break;
  case Dtype::tf32: descr = "<f4"; break; // a tf32 value is an fp32 value: written exactly
  }
  std::string shape = "(";
  for (size_t i = 0; i < t.shape.size(); ++i) shape += std::to_string(t.shape[i]) + ", ";
  if (t.shape.size() > 1)
    shape.resize(shape.size() - 2);
  else if (t.shape.size() == 1)
    shape.resize(shape.size() - 1); // "(4,)"
  shape += ")";
  std::string header = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}", descr, shape);
  // Pad with spaces and a final newline so the data starts 64-byte aligned,
  // as NumPy does.
  size_t prefix = kMagicLen + 2 + 2;
  size_t total = prefix + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  os.write(kMagic, kMagicLen);
  os << char(1) << char(0) << char(header.size() & 0xff) << char((header.size() >> 8) & 0xff) << header;
  os.write(reinterpret_cast<const char *>(t.data.data()), t.data.size());
}

std::string encode_npy(const HostTensor &t, const NpyWriteOptions &opts) {
  std::string out;
  llvm::raw_string_ostream os(out);
  write_npy(os, t, opts);
  return std::move(os.str());
}

llvm::Error write_npy(llvm::StringRef path, const HostTensor &t, const NpyWriteOptions &opts) {
  if (t.data.size() != t.size_bytes())
    return npy_error(path, fmt::format("internal error: tensor {}{} holds {} bytes, expected {}", dtype_name(t.dtype),
                                       format_shape(t.shape), t.data.size(), t.size_bytes()));
  return write_output_file(path, [&](llvm::raw_ostream &os) { write_npy(os, t, opts); });
}

} // namespace nk
