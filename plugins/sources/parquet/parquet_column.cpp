#include "parquet_column.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <optional>

#ifdef __AVX2__
#include <immintrin.h>
#endif

#include "winnow/text.h"
#include "winnow/value.h"

namespace winnow::parquet {

// ---------------------------------------------------------------------------
// ColumnChunkReader

ColumnChunkReader::ColumnChunkReader(const SchemaNode& leaf, const ColumnMetaData& meta,
                                     std::string_view chunk, bool verify_crc)
    : leaf_(leaf), meta_(meta), chunk_(chunk), verify_crc_(verify_crc) {}

Status ColumnChunkReader::Fail(std::string message) const {
  return Status::Corruption("column '" + leaf_.path + "': " + message);
}

Status ColumnChunkReader::Init() {
  if (meta_.type != leaf_.type) {
    return Fail("the column chunk says its type is " + std::string(TypeName(meta_.type)) +
                " but the schema says " + std::string(TypeName(leaf_.type)));
  }
  if (!CodecSupported(meta_.codec)) {
    if (meta_.codec == Codec::kLzo) {
      return Status::Unimplemented("column '" + leaf_.path +
                                   "' uses the LZO codec, which this build cannot read (no LZO "
                                   "library on Debian); rewrite the file with ZSTD or SNAPPY");
    }
    return Status::Unimplemented("column '" + leaf_.path + "' uses unknown compression codec " +
                                 std::to_string(static_cast<int>(meta_.codec)));
  }
  if (meta_.num_values < 0) return Fail("negative num_values in the column metadata");
  rep_width_ = BitWidth(static_cast<uint64_t>(leaf_.max_rep));
  def_width_ = BitWidth(static_cast<uint64_t>(leaf_.max_def));
  return Status::Ok();
}

Status ColumnChunkReader::SetupLevels(const uint8_t* data, size_t size, Encoding rep_enc,
                                      Encoding def_enc, size_t num_values, bool v2,
                                      size_t rep_bytes, size_t def_bytes, size_t* consumed) {
  if (v2) {
    rep_bit_packed_ = def_bit_packed_ = false;
    rep_rle_.Init(data, rep_bytes, rep_width_);
    def_rle_.Init(data + rep_bytes, def_bytes, def_width_);
    *consumed = rep_bytes + def_bytes;
    return Status::Ok();
  }
  size_t pos = 0;
  auto setup = [&](int max_level, int width, Encoding enc, bool* bit_packed,
                   RleBitPackedDecoder* rle, BitPackedLevelDecoder* bp,
                   const char* what) -> Status {
    if (max_level == 0) return Status::Ok();
    if (enc == Encoding::kRle) {
      if (size - pos < 4) return Fail(std::string(what) + " levels are truncated");
      uint32_t len;
      std::memcpy(&len, data + pos, 4);
      pos += 4;
      if (len > size - pos) {
        return Fail(std::string(what) + " levels claim " + std::to_string(len) +
                    " bytes but the page has " + std::to_string(size - pos) + " left");
      }
      rle->Init(data + pos, len, width);
      *bit_packed = false;
      pos += len;
    } else if (enc == Encoding::kBitPacked) {
      uint64_t bytes = (static_cast<uint64_t>(num_values) * static_cast<uint64_t>(width) + 7) / 8;
      if (bytes > size - pos) return Fail(std::string(what) + " levels are truncated");
      bp->Init(data + pos, static_cast<size_t>(bytes), width);
      *bit_packed = true;
      pos += static_cast<size_t>(bytes);
    } else {
      return Status::Unimplemented("column '" + leaf_.path + "': " + what + " level encoding " +
                                   std::string(EncodingName(enc)) + " is not supported");
    }
    return Status::Ok();
  };
  WINNOW_RETURN_IF_ERROR(setup(leaf_.max_rep, rep_width_, rep_enc, &rep_bit_packed_, &rep_rle_,
                               &rep_bp_, "repetition"));
  WINNOW_RETURN_IF_ERROR(setup(leaf_.max_def, def_width_, def_enc, &def_bit_packed_, &def_rle_,
                               &def_bp_, "definition"));
  *consumed = pos;
  return Status::Ok();
}

Status ColumnChunkReader::NextPage(bool* done) {
  *done = false;
  for (;;) {
    if (entries_paged_ >= meta_.num_values) {
      *done = true;
      return Status::Ok();
    }
    if (pos_ >= chunk_.size()) {
      return Fail("the column chunk ends after " + std::to_string(entries_paged_) + " of its " +
                  std::to_string(meta_.num_values) + " values");
    }
    size_t header_size = 0;
    auto header = ParsePageHeader(chunk_.substr(pos_), &header_size);
    if (!header.ok()) {
      return Fail(header.status().message() + " (page at chunk offset " + std::to_string(pos_) +
                  ")");
    }
    const PageHeader& h = *header;
    pos_ += header_size;
    size_t body_size = static_cast<size_t>(h.compressed_page_size);
    if (body_size > chunk_.size() - pos_) {
      return Fail(std::string(PageTypeName(h.type)) + " of " + std::to_string(body_size) +
                  " bytes runs past the end of the column chunk (" +
                  std::to_string(chunk_.size() - pos_) + " bytes left)");
    }
    std::string_view body = chunk_.substr(pos_, body_size);
    pos_ += body_size;
    if (verify_crc_ && h.crc) {
      uint32_t computed = Crc32(body);
      if (computed != static_cast<uint32_t>(*h.crc)) {
        char buf[80];
        std::snprintf(buf, sizeof(buf), "stored CRC %08x, computed %08x",
                      static_cast<uint32_t>(*h.crc), computed);
        return Fail("page checksum mismatch in a " + std::string(PageTypeName(h.type)) + " (" +
                    buf + "): the page is corrupt");
      }
    }
    ++pages_;
    size_t want = static_cast<size_t>(h.uncompressed_page_size);
    switch (h.type) {
      case PageType::kDictionaryPage: {
        if (!h.dictionary_page_header) return Fail("dictionary page without its header");
        if (dict_) return Fail("the column chunk has a second dictionary page");
        if (entries_paged_ > 0) return Fail("dictionary page after data pages");
        const auto& dh = *h.dictionary_page_header;
        if (dh.encoding != Encoding::kPlain && dh.encoding != Encoding::kPlainDictionary) {
          return Status::Unimplemented("column '" + leaf_.path + "': dictionary page encoding " +
                                       std::string(EncodingName(dh.encoding)) +
                                       " is not supported");
        }
        if (dh.num_values < 0) return Fail("dictionary page has a negative value count");
        dict_ = std::make_unique<Dictionary>();
        Status st = decompressor_.Decompress(meta_.codec, body, want, &dict_->page);
        if (!st.ok()) return Fail("dictionary page: " + st.message());
        bytes_decompressed_ += want;
        st = DecodeDictionary(leaf_.type, leaf_.type_length, static_cast<size_t>(dh.num_values),
                              dict_.get());
        if (!st.ok()) return Fail("dictionary page: " + st.message());
        continue;
      }
      case PageType::kDataPage: {
        if (!h.data_page_header) return Fail("DATA_PAGE without its data_page_header");
        const auto& dh = *h.data_page_header;
        if (dh.num_values < 0) return Fail("data page has a negative value count");
        const uint8_t* pdata;
        size_t psize;
        if (meta_.codec == Codec::kUncompressed) {
          // Decode straight from the column chunk: no copy.
          if (body.size() != want) {
            return Fail("UNCOMPRESSED page holds " + std::to_string(body.size()) +
                        " bytes but its header says " + std::to_string(want));
          }
          pdata = reinterpret_cast<const uint8_t*>(body.data());
          psize = body.size();
        } else {
          Status st = decompressor_.Decompress(meta_.codec, body, want, &page_);
          if (!st.ok()) return Fail(st.message());
          pdata = page_.data();
          psize = page_.size();
        }
        bytes_decompressed_ += want;
        size_t consumed = 0;
        WINNOW_RETURN_IF_ERROR(
            SetupLevels(pdata, psize, dh.repetition_level_encoding, dh.definition_level_encoding,
                        static_cast<size_t>(dh.num_values), false, 0, 0, &consumed));
        auto dec = MakeValueDecoder(dh.encoding, leaf_.type, leaf_.type_length, pdata + consumed,
                                    psize - consumed, dict_.get());
        if (!dec.ok()) return dec.status().WithContext("column '" + leaf_.path + "'");
        values_ = std::move(dec).value();
        page_left_ = static_cast<size_t>(dh.num_values);
        break;
      }
      case PageType::kDataPageV2: {
        if (!h.data_page_header_v2) return Fail("DATA_PAGE_V2 without its data_page_header_v2");
        const auto& dh = *h.data_page_header_v2;
        if (dh.num_values < 0 || dh.repetition_levels_byte_length < 0 ||
            dh.definition_levels_byte_length < 0) {
          return Fail("DATA_PAGE_V2 header has negative counts");
        }
        size_t rl = static_cast<size_t>(dh.repetition_levels_byte_length);
        size_t dl = static_cast<size_t>(dh.definition_levels_byte_length);
        if (rl + dl > body.size() || rl + dl > want) {
          return Fail("DATA_PAGE_V2 level lengths (" + std::to_string(rl) + " + " +
                      std::to_string(dl) + " bytes) exceed the page");
        }
        size_t consumed = 0;
        WINNOW_RETURN_IF_ERROR(SetupLevels(
            reinterpret_cast<const uint8_t*>(body.data()), rl + dl, Encoding::kRle, Encoding::kRle,
            static_cast<size_t>(dh.num_values), true, rl, dl, &consumed));
        std::string_view rest = body.substr(rl + dl);
        const uint8_t* vdata;
        size_t vsize;
        if (dh.is_compressed && meta_.codec != Codec::kUncompressed) {
          Status st = decompressor_.Decompress(meta_.codec, rest, want - rl - dl, &page_);
          if (!st.ok()) return Fail(st.message());
          bytes_decompressed_ += want - rl - dl;
          vdata = page_.data();
          vsize = page_.size();
        } else {
          if (rest.size() != want - rl - dl) {
            return Fail("uncompressed DATA_PAGE_V2 holds " + std::to_string(rest.size()) +
                        " value bytes but its header says " + std::to_string(want - rl - dl));
          }
          vdata = reinterpret_cast<const uint8_t*>(rest.data());
          vsize = rest.size();
        }
        auto dec =
            MakeValueDecoder(dh.encoding, leaf_.type, leaf_.type_length, vdata, vsize, dict_.get());
        if (!dec.ok()) return dec.status().WithContext("column '" + leaf_.path + "'");
        values_ = std::move(dec).value();
        page_left_ = static_cast<size_t>(dh.num_values);
        break;
      }
      default:
        continue;  // index pages and page types from newer writers carry no values
    }
    entries_paged_ += static_cast<int64_t>(page_left_);
    if (entries_paged_ > meta_.num_values) {
      return Fail("the pages hold more than the " + std::to_string(meta_.num_values) +
                  " values the column metadata announces");
    }
    if (page_left_ > 0) return Status::Ok();
  }
}

Status ColumnChunkReader::NextBatch() {
  n_ = 0;
  batch_.Clear();
  if (page_left_ == 0) {
    bool done = false;
    WINNOW_RETURN_IF_ERROR(NextPage(&done));
    if (done) return Status::Ok();
  }
  size_t k = std::min(kBatch, page_left_);
  if (leaf_.max_rep > 0) {
    size_t got = rep_bit_packed_ ? rep_bp_.GetBatch(rep_, k) : rep_rle_.GetBatch(rep_, k);
    if (got < k) return Fail("the repetition levels end before the page's values do");
    for (size_t i = 0; i < k; ++i) {
      if (rep_[i] > leaf_.max_rep) {
        return Fail("repetition level " + std::to_string(rep_[i]) + " is above the maximum " +
                    std::to_string(leaf_.max_rep));
      }
    }
  } else {
    std::memset(rep_, 0, k * sizeof(uint16_t));
  }
  size_t present = k;
  if (leaf_.max_def > 0) {
    size_t got = def_bit_packed_ ? def_bp_.GetBatch(def_, k) : def_rle_.GetBatch(def_, k);
    if (got < k) return Fail("the definition levels end before the page's values do");
    const uint16_t max_def = static_cast<uint16_t>(leaf_.max_def);
    present = 0;
    uint16_t worst = 0;
    for (size_t i = 0; i < k; ++i) {
      present += def_[i] == max_def;
      worst = std::max(worst, def_[i]);
    }
    if (worst > max_def) {
      return Fail("definition level " + std::to_string(worst) + " is above the maximum " +
                  std::to_string(leaf_.max_def));
    }
  } else {
    std::fill(def_, def_ + k, uint16_t{0});
  }
  Status st = values_->Decode(present, &batch_);
  if (!st.ok()) return st.WithContext("column '" + leaf_.path + "'");
  page_left_ -= k;
  entries_read_ += static_cast<int64_t>(k);
  n_ = k;
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// Formatting helpers

namespace {

void AppendInt(std::string& out, int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, static_cast<size_t>(end - buf));
}

void AppendUInt(std::string& out, uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, static_cast<size_t>(end - buf));
}

void Append2(std::string& out, int v) {
  out.push_back(static_cast<char>('0' + v / 10));
  out.push_back(static_cast<char>('0' + v % 10));
}

void AppendFraction(std::string& out, int64_t frac, int digits) {
  char buf[12];
  for (int i = digits - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + frac % 10);
    frac /= 10;
  }
  out.push_back('.');
  out.append(buf, static_cast<size_t>(digits));
}

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

void AppendFloat(std::string& out, float f) {
  if (!std::isfinite(f)) {
    out += "null";
    return;
  }
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), f);
  std::string_view text(buf, static_cast<size_t>(end - buf));
  out += text;
  if (text.find_first_of(".eEn") == std::string_view::npos) out += ".0";
}

// Decimal digits of an unsigned 128-bit value.
std::string Digits128(unsigned __int128 v) {
  if (v == 0) return "0";
  char buf[48];
  int i = 48;
  while (v > 0) {
    buf[--i] = static_cast<char>('0' + static_cast<int>(v % 10));
    v /= 10;
  }
  return std::string(buf + i, static_cast<size_t>(48 - i));
}

void AppendScaled(std::string& out, bool negative, std::string digits, int32_t scale) {
  if (digits == "0") negative = false;
  if (negative) out.push_back('-');
  if (scale <= 0) {
    out += digits;
    if (digits != "0") out.append(static_cast<size_t>(std::min<int32_t>(-scale, 1000)), '0');
    return;
  }
  size_t s = static_cast<size_t>(std::min<int32_t>(scale, 1000));
  if (digits.size() <= s) digits.insert(0, s - digits.size() + 1, '0');
  out.append(digits, 0, digits.size() - s);
  out.push_back('.');
  out.append(digits, digits.size() - s, s);
}

void AppendDecimal128(std::string& out, __int128 v, int32_t scale) {
  bool neg = v < 0;
  unsigned __int128 mag =
      neg ? static_cast<unsigned __int128>(0) - static_cast<unsigned __int128>(v)
          : static_cast<unsigned __int128>(v);
  AppendScaled(out, neg, Digits128(mag), scale);
}

// Bytes worth showing as text: valid UTF-8 without control characters other
// than tab, newline and carriage return.
bool LooksLikeText(std::string_view s) {
  for (unsigned char ch : s) {
    if (ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') return false;
  }
  return IsValidUtf8(s);
}

// Appends `s` as a JSON string literal; same output as winnow::AppendJsonString
// but scans 32 bytes at a time for the characters that need escaping.
void AppendJsonText(std::string& out, std::string_view s) {
  static const char* kHex = "0123456789abcdef";
  out.reserve(out.size() + s.size() + 2);
  out.push_back('"');
  const char* p = s.data();
  const char* const end = p + s.size();
  const char* run = p;
  auto escape = [&](unsigned char c) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
    }
  };
#ifdef __AVX2__
  const __m256i quote = _mm256_set1_epi8('"');
  const __m256i slash = _mm256_set1_epi8('\\');
  const __m256i ctrl = _mm256_set1_epi8(0x1f);
  while (end - p >= 32) {
    __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    __m256i m =
        _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(v, quote), _mm256_cmpeq_epi8(v, slash)),
                        _mm256_cmpeq_epi8(_mm256_max_epu8(v, ctrl), ctrl));
    uint32_t bits = static_cast<uint32_t>(_mm256_movemask_epi8(m));
    if (bits == 0) {
      p += 32;
      continue;
    }
    while (bits) {
      int i = __builtin_ctz(bits);
      const char* at = p + i;
      out.append(run, static_cast<size_t>(at - run));
      escape(static_cast<unsigned char>(*at));
      run = at + 1;
      bits &= bits - 1;
    }
    p += 32;
  }
#endif
  for (; p < end; ++p) {
    unsigned char c = static_cast<unsigned char>(*p);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(run, static_cast<size_t>(p - run));
    escape(c);
    run = p + 1;
  }
  out.append(run, static_cast<size_t>(end - run));
  out.push_back('"');
}

// WKB (ISO and EWKB flavours) -> GeoJSON. False on malformed input.
class WkbReader {
 public:
  WkbReader(std::string_view b, std::string& out)
      : p_(reinterpret_cast<const uint8_t*>(b.data())), n_(b.size()), out_(out) {}
  bool Run() { return Geometry(0) && pos_ == n_; }

 private:
  struct Header {
    bool le = true;
    uint32_t base = 0;
    int dims = 2;
  };
  bool ReadHeader(Header* h) {
    if (pos_ >= n_) return false;
    uint8_t order = p_[pos_++];
    if (order > 1) return false;
    h->le = order == 1;
    uint32_t type;
    if (!U32(h->le, &type)) return false;
    bool z = type & 0x80000000u, m = type & 0x40000000u;
    if (type & 0x20000000u) {
      uint32_t srid;
      if (!U32(h->le, &srid)) return false;
    }
    type &= 0x0fffffffu;
    uint32_t flavour = type / 1000;
    h->base = type % 1000;
    if (flavour == 1 || flavour == 3) z = true;
    if (flavour == 2 || flavour == 3) m = true;
    if (flavour > 3 || h->base < 1 || h->base > 7) return false;
    h->dims = 2 + (z ? 1 : 0) + (m ? 1 : 0);
    return true;
  }
  bool U32(bool le, uint32_t* v) {
    if (n_ - pos_ < 4) return false;
    const uint8_t* q = p_ + pos_;
    *v = le ? (uint32_t{q[0]} | uint32_t{q[1]} << 8 | uint32_t{q[2]} << 16 | uint32_t{q[3]} << 24)
            : (uint32_t{q[3]} | uint32_t{q[2]} << 8 | uint32_t{q[1]} << 16 | uint32_t{q[0]} << 24);
    pos_ += 4;
    return true;
  }
  bool Count(bool le, size_t min_bytes_each, uint32_t* count) {
    if (!U32(le, count)) return false;
    return static_cast<uint64_t>(*count) * min_bytes_each <= n_ - pos_;
  }
  bool Point(const Header& h, bool allow_empty) {
    if (n_ - pos_ < static_cast<size_t>(h.dims) * 8) return false;
    double v[4];
    bool all_nan = true;
    for (int i = 0; i < h.dims; ++i) {
      uint8_t b[8];
      std::memcpy(b, p_ + pos_, 8);
      if (!h.le) std::reverse(b, b + 8);
      std::memcpy(&v[i], b, 8);
      pos_ += 8;
      all_nan = all_nan && std::isnan(v[i]);
    }
    out_.push_back('[');
    if (!(allow_empty && all_nan)) {
      for (int i = 0; i < h.dims; ++i) {
        if (i) out_.push_back(',');
        AppendJsonDouble(out_, v[i]);
      }
    }
    out_.push_back(']');
    return true;
  }
  bool Points(const Header& h) {
    uint32_t n;
    if (!Count(h.le, static_cast<size_t>(h.dims) * 8, &n)) return false;
    out_.push_back('[');
    for (uint32_t i = 0; i < n; ++i) {
      if (i) out_.push_back(',');
      if (!Point(h, false)) return false;
    }
    out_.push_back(']');
    return true;
  }
  bool Rings(const Header& h) {
    uint32_t n;
    if (!Count(h.le, 4, &n)) return false;
    out_.push_back('[');
    for (uint32_t i = 0; i < n; ++i) {
      if (i) out_.push_back(',');
      if (!Points(h)) return false;
    }
    out_.push_back(']');
    return true;
  }
  // Coordinates of a geometry whose header was read.
  bool Coordinates(const Header& h, int depth) {
    switch (h.base) {
      case 1:
        return Point(h, true);
      case 2:
        return Points(h);
      case 3:
        return Rings(h);
      case 4:
      case 5:
      case 6: {
        uint32_t n;
        if (!Count(h.le, 5, &n)) return false;
        out_.push_back('[');
        for (uint32_t i = 0; i < n; ++i) {
          if (i) out_.push_back(',');
          Header sub;
          if (!ReadHeader(&sub) || sub.base != h.base - 3) return false;
          if (!Coordinates(sub, depth + 1)) return false;
        }
        out_.push_back(']');
        return true;
      }
      default:
        return false;
    }
  }
  bool Geometry(int depth) {
    if (depth > 32) return false;
    Header h;
    if (!ReadHeader(&h)) return false;
    static const char* kNames[] = {
        "",           "Point",           "LineString",   "Polygon",
        "MultiPoint", "MultiLineString", "MultiPolygon", "GeometryCollection"};
    out_ += "{\"type\":\"";
    out_ += kNames[h.base];
    if (h.base == 7) {
      out_ += "\",\"geometries\":[";
      uint32_t n;
      if (!Count(h.le, 5, &n)) return false;
      for (uint32_t i = 0; i < n; ++i) {
        if (i) out_.push_back(',');
        if (!Geometry(depth + 1)) return false;
      }
      out_ += "]}";
      return true;
    }
    out_ += "\",\"coordinates\":";
    if (!Coordinates(h, depth)) return false;
    out_.push_back('}');
    return true;
  }

  const uint8_t* p_;
  size_t n_, pos_ = 0;
  std::string& out_;
};

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

}  // namespace

void AppendDate(std::string& out, int64_t days) {
  // Howard Hinnant's civil_from_days.
  int64_t z = days + 719468;
  int64_t era = FloorDiv(z, 146097);
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  if (y >= 0 && y <= 9999) {
    char buf[4] = {static_cast<char>('0' + y / 1000), static_cast<char>('0' + y / 100 % 10),
                   static_cast<char>('0' + y / 10 % 10), static_cast<char>('0' + y % 10)};
    out.append(buf, 4);
  } else {
    out.push_back(y < 0 ? '-' : '+');
    uint64_t a = y < 0 ? static_cast<uint64_t>(-(y + 1)) + 1 : static_cast<uint64_t>(y);
    std::string digits = std::to_string(a);
    // ECMAScript's expanded years: a sign and at least six digits.
    if (digits.size() < 6) out.append(6 - digits.size(), '0');
    out += digits;
  }
  out.push_back('-');
  Append2(out, static_cast<int>(m));
  out.push_back('-');
  Append2(out, static_cast<int>(d));
}

static void AppendTimeOfDay(std::string& out, int64_t rem, int64_t per_sec, int digits) {
  int64_t secs = rem / per_sec;
  int64_t frac = rem % per_sec;
  Append2(out, static_cast<int>(secs / 3600));
  out.push_back(':');
  Append2(out, static_cast<int>(secs / 60 % 60));
  out.push_back(':');
  Append2(out, static_cast<int>(secs % 60));
  AppendFraction(out, frac, digits);
}

static int64_t PerSecond(TimeUnit unit, int* digits) {
  switch (unit) {
    case TimeUnit::kMillis:
      *digits = 3;
      return 1000;
    case TimeUnit::kMicros:
      *digits = 6;
      return 1000000;
    case TimeUnit::kNanos:
      *digits = 9;
      return 1000000000;
  }
  *digits = 3;
  return 1000;
}

void AppendTimestamp(std::string& out, int64_t value, TimeUnit unit, bool utc) {
  int digits;
  int64_t per_sec = PerSecond(unit, &digits);
  int64_t per_day = per_sec * 86400;
  int64_t days = FloorDiv(value, per_day);
  int64_t rem = value - days * per_day;
  AppendDate(out, days);
  out.push_back('T');
  AppendTimeOfDay(out, rem, per_sec, digits);
  if (utc) out.push_back('Z');
}

void AppendDecimal(std::string& out, std::string_view be, int32_t scale) {
  if (be.empty()) {
    AppendScaled(out, false, "0", scale);
    return;
  }
  auto u = reinterpret_cast<const uint8_t*>(be.data());
  bool neg = (u[0] & 0x80) != 0;
  if (be.size() <= 16) {
    unsigned __int128 v = neg ? ~static_cast<unsigned __int128>(0) : 0;
    for (size_t i = 0; i < be.size(); ++i) v = (v << 8) | u[i];
    AppendDecimal128(out, static_cast<__int128>(v), scale);
    return;
  }
  // Arbitrary length: magnitude in base 2^32 limbs, then divide by 10^9 repeatedly.
  std::vector<uint8_t> mag(u, u + be.size());
  if (neg) {
    for (auto& b : mag) b = static_cast<uint8_t>(~b);
    for (size_t i = mag.size(); i-- > 0;) {
      if (++mag[i] != 0) break;
    }
  }
  std::vector<uint32_t> limbs;  // most significant first
  for (size_t i = mag.size(); i > 0;) {
    size_t lo = i >= 4 ? i - 4 : 0;
    uint32_t limb = 0;
    for (size_t j = lo; j < i; ++j) limb = (limb << 8) | mag[j];
    limbs.push_back(limb);
    i = lo;
  }
  std::reverse(limbs.begin(), limbs.end());
  while (!limbs.empty() && limbs.front() == 0) limbs.erase(limbs.begin());
  std::string digits;
  while (!limbs.empty()) {
    uint64_t rem = 0;
    for (auto& l : limbs) {
      uint64_t acc = (rem << 32) | l;
      l = static_cast<uint32_t>(acc / 1000000000);
      rem = acc % 1000000000;
    }
    while (!limbs.empty() && limbs.front() == 0) limbs.erase(limbs.begin());
    char buf[10];
    for (int i = 8; i >= 0; --i) {
      buf[i] = static_cast<char>('0' + rem % 10);
      rem /= 10;
    }
    digits.insert(0, buf, 9);
  }
  size_t nz = digits.find_first_not_of('0');
  digits = nz == std::string::npos ? "0" : digits.substr(nz);
  AppendScaled(out, neg, digits, scale);
}

double HalfToDouble(uint16_t h) {
  int sign = h >> 15, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  double v;
  if (exp == 0) {
    v = std::ldexp(static_cast<double>(mant), -24);
  } else if (exp == 31) {
    v = mant ? std::nan("") : INFINITY;
  } else {
    v = std::ldexp(static_cast<double>(mant + 1024), exp - 25);
  }
  return sign ? -v : v;
}

void AppendBase64(std::string& out, std::string_view bytes) {
  auto u = reinterpret_cast<const uint8_t*>(bytes.data());
  size_t n = bytes.size(), i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t{u[i]} << 16) | (uint32_t{u[i + 1]} << 8) | u[i + 2];
    out.push_back(kB64[v >> 18]);
    out.push_back(kB64[(v >> 12) & 63]);
    out.push_back(kB64[(v >> 6) & 63]);
    out.push_back(kB64[v & 63]);
  }
  if (n - i == 1) {
    uint32_t v = uint32_t{u[i]} << 16;
    out.push_back(kB64[v >> 18]);
    out.push_back(kB64[(v >> 12) & 63]);
    out += "==";
  } else if (n - i == 2) {
    uint32_t v = (uint32_t{u[i]} << 16) | (uint32_t{u[i + 1]} << 8);
    out.push_back(kB64[v >> 18]);
    out.push_back(kB64[(v >> 12) & 63]);
    out.push_back(kB64[(v >> 6) & 63]);
    out.push_back('=');
  }
}

ScalarConv ChooseScalar(const SchemaNode& n) {
  using K = LogicalType::Kind;
  ScalarConv c;
  c.type = n.type;
  c.width = (n.type == Type::kByteArray || n.type == Type::kFixedLenByteArray)
                ? 0
                : FixedWidth(n.type, n.type_length);
  const LogicalType& lt = n.logical_type;
  auto ct = n.converted_type;
  auto is_ct = [&](ConvertedType t) { return ct && *ct == t; };
  if (lt.kind == K::kUnknown) {
    c.kind = ScalarKind::kNull;
    return c;
  }
  bool decimal = lt.kind == K::kDecimal || (lt.kind == K::kNone && is_ct(ConvertedType::kDecimal));
  int32_t scale = lt.kind == K::kDecimal ? lt.scale : n.scale;
  switch (n.type) {
    case Type::kBoolean:
      c.kind = ScalarKind::kBool;
      break;
    case Type::kInt32:
      if (decimal) {
        c.kind = ScalarKind::kDecimal;
        c.scale = scale;
      } else if (lt.kind == K::kDate || is_ct(ConvertedType::kDate)) {
        c.kind = ScalarKind::kDate;
      } else if ((lt.kind == K::kTime && lt.unit == TimeUnit::kMillis) ||
                 (lt.kind == K::kNone && is_ct(ConvertedType::kTimeMillis))) {
        c.kind = ScalarKind::kTime;
        c.unit = TimeUnit::kMillis;
        c.utc = lt.kind == K::kTime ? lt.is_adjusted_to_utc : true;
      } else if ((lt.kind == K::kInteger && !lt.is_signed) ||
                 (lt.kind == K::kNone &&
                  (is_ct(ConvertedType::kUint8) || is_ct(ConvertedType::kUint16) ||
                   is_ct(ConvertedType::kUint32)))) {
        c.kind = ScalarKind::kUInt32;
      } else {
        c.kind = ScalarKind::kInt32;
      }
      break;
    case Type::kInt64:
      if (decimal) {
        c.kind = ScalarKind::kDecimal;
        c.scale = scale;
      } else if (lt.kind == K::kTimestamp) {
        c.kind = ScalarKind::kTimestamp;
        c.unit = lt.unit;
        c.utc = lt.is_adjusted_to_utc;
      } else if (lt.kind == K::kNone && (is_ct(ConvertedType::kTimestampMillis) ||
                                         is_ct(ConvertedType::kTimestampMicros))) {
        c.kind = ScalarKind::kTimestamp;
        c.unit = is_ct(ConvertedType::kTimestampMillis) ? TimeUnit::kMillis : TimeUnit::kMicros;
        c.utc = true;
      } else if ((lt.kind == K::kTime && lt.unit != TimeUnit::kMillis) ||
                 (lt.kind == K::kNone && is_ct(ConvertedType::kTimeMicros))) {
        c.kind = ScalarKind::kTime;
        c.unit = lt.kind == K::kTime ? lt.unit : TimeUnit::kMicros;
        c.utc = lt.kind == K::kTime ? lt.is_adjusted_to_utc : true;
      } else if ((lt.kind == K::kInteger && !lt.is_signed) ||
                 (lt.kind == K::kNone && is_ct(ConvertedType::kUint64))) {
        c.kind = ScalarKind::kUInt64;
      } else {
        c.kind = ScalarKind::kInt64;
      }
      break;
    case Type::kInt96:
      c.kind = ScalarKind::kInt96;
      break;
    case Type::kFloat:
      c.kind = ScalarKind::kFloat;
      break;
    case Type::kDouble:
      c.kind = ScalarKind::kDouble;
      break;
    case Type::kByteArray:
    case Type::kFixedLenByteArray: {
      bool fixed = n.type == Type::kFixedLenByteArray;
      if (decimal) {
        c.kind = ScalarKind::kDecimal;
        c.scale = scale;
      } else if (fixed && lt.kind == K::kFloat16 && n.type_length == 2) {
        c.kind = ScalarKind::kFloat16;
      } else if (fixed && lt.kind == K::kUuid && n.type_length == 16) {
        c.kind = ScalarKind::kUuid;
      } else if (fixed && is_ct(ConvertedType::kInterval) && n.type_length == 12) {
        c.kind = ScalarKind::kInterval;
      } else if (!fixed && (lt.kind == K::kGeometry || lt.kind == K::kGeography)) {
        c.kind = ScalarKind::kGeometry;
      } else if (lt.kind == K::kString || lt.kind == K::kEnum || lt.kind == K::kJson ||
                 (lt.kind == K::kNone &&
                  (is_ct(ConvertedType::kUtf8) || is_ct(ConvertedType::kEnum) ||
                   is_ct(ConvertedType::kJson)))) {
        c.kind = ScalarKind::kString;
      } else {
        c.kind = ScalarKind::kBinary;
      }
      break;
    }
  }
  return c;
}

// ---------------------------------------------------------------------------
// RowAssembler

struct RowAssembler::Shape {
  // kVariant: a VARIANT group (metadata + items[0], a kVNode).
  // kVNode: a {value, typed_value} pair of a (shredded) variant; items[0] is
  // the typed_value shape when has_typed.
  enum class Kind : uint8_t { kScalar, kObject, kList, kMap, kVariant, kVNode };
  Kind kind = Kind::kScalar;
  bool nullable = false;
  int null_def = 0;           // the optional node's definition level
  int rep_def = 0;            // list/map: the repeated node's definition level
  int rep_level = 0;          // list/map: the repeated node's repetition level
  size_t first = 0, end = 0;  // cursor range
  size_t cursor = 0;          // scalar: its cursor
  std::string path;
  std::vector<std::string> keys;  // object: "\"name\":" per field
  std::vector<Shape> items;       // object fields / list element / map key (+ value)
  bool map_as_object = false;
  // Variants.
  size_t meta_cursor = 0;      // kVariant: the metadata leaf
  int value_cursor = -1;       // kVNode: the `value` leaf, or -1
  bool has_typed = false;      // kVNode: has a typed_value
  int typed_def = 0;           // kVNode: definition level at which typed_value is present
  bool variant_items = false;  // object/list inside typed_value: items are kVNode
};

namespace {

struct Cursor {
  ColumnChunkReader* reader = nullptr;
  const SchemaNode* leaf = nullptr;
  ScalarConv conv;
  size_t e = 0, v = 0, n = 0;
  bool exhausted = false;
  uint16_t max_def = 0;
};

}  // namespace

// A variant's metadata: version 1 header, then the key dictionary.
Status ParseVariantMetadata(std::string_view m, std::vector<std::string_view>* keys) {
  keys->clear();
  auto u = reinterpret_cast<const uint8_t*>(m.data());
  if (m.empty() || (u[0] & 0x0f) != 1) {
    return Status::Corruption("variant metadata is empty or not version 1");
  }
  size_t off_size = ((u[0] >> 6) & 3) + 1;
  auto le = [&](size_t at) {
    uint64_t x = 0;
    for (size_t i = 0; i < off_size; ++i) x |= static_cast<uint64_t>(u[at + i]) << (8 * i);
    return x;
  };
  if (m.size() < 1 + off_size) return Status::Corruption("variant metadata is truncated");
  uint64_t n = le(1);
  if (n > m.size()) return Status::Corruption("variant metadata dictionary size is too large");
  size_t offs_at = 1 + off_size;
  size_t bytes_at = offs_at + (static_cast<size_t>(n) + 1) * off_size;
  if (bytes_at > m.size()) return Status::Corruption("variant metadata is truncated");
  size_t avail = m.size() - bytes_at;
  keys->reserve(static_cast<size_t>(n));
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t a = le(offs_at + static_cast<size_t>(i) * off_size);
    uint64_t b = le(offs_at + static_cast<size_t>(i + 1) * off_size);
    if (a > b || b > avail) return Status::Corruption("variant metadata offsets are invalid");
    keys->push_back(m.substr(bytes_at + static_cast<size_t>(a), static_cast<size_t>(b - a)));
  }
  return Status::Ok();
}

struct RowAssembler::Impl {
  const Schema* schema = nullptr;
  JsonOptions options;
  std::vector<Shape> fields;
  std::vector<std::string> field_keys;
  std::vector<Cursor> cursors;
  uint64_t rows_seen = 0, bytes_seen = 0;  // for output reservations
  Status error;
  std::string* out = nullptr;
  std::string bad_utf8_column;  // set when the current row had invalid UTF-8
  std::string scratch;

  void SetError(Status st) {
    if (error.ok()) error = std::move(st);
  }

  bool Ensure(Cursor& c) {
    if (c.e < c.n) return true;
    if (c.exhausted || !error.ok()) return false;
    if (!c.reader) {
      c.exhausted = true;
      return false;
    }
    Status st = c.reader->NextBatch();
    if (!st.ok()) {
      SetError(std::move(st));
      c.exhausted = true;
      c.n = c.e = c.v = 0;
      return false;
    }
    c.n = c.reader->size();
    c.e = c.v = 0;
    if (c.n == 0) c.exhausted = true;
    return c.n > 0;
  }
  uint16_t Def(const Cursor& c) const { return c.reader->def_levels()[c.e]; }
  uint16_t Rep(const Cursor& c) const { return c.reader->rep_levels()[c.e]; }
  void Advance(Cursor& c) {
    if (Def(c) == c.max_def) ++c.v;
    ++c.e;
  }

  void Missing(const Cursor& c) {
    SetError(Status::Corruption("column '" + c.leaf->path +
                                "' holds fewer values than the row group's rows"));
  }

  // Consumes one entry (a null or empty container at `threshold`) on every leaf of `s`.
  void SkipOne(const Shape& s, int threshold) {
    for (size_t i = s.first; i < s.end; ++i) {
      Cursor& c = cursors[i];
      if (!Ensure(c)) {
        Missing(c);
        return;
      }
      if (Def(c) >= threshold) {
        SetError(Status::Corruption("columns under '" + s.path +
                                    "' disagree about which values are null (column '" +
                                    c.leaf->path + "')"));
        return;
      }
      Advance(c);
    }
  }

  void Write(const Shape& s) {
    Cursor& c = cursors[s.first];
    if (!Ensure(c)) {
      Missing(c);
      *out += "null";
      return;
    }
    int d = Def(c);
    if (s.nullable && d < s.null_def) {
      *out += "null";
      SkipOne(s, s.null_def);
      return;
    }
    switch (s.kind) {
      case Shape::Kind::kScalar: {
        Cursor& leaf = cursors[s.cursor];
        if (d < leaf.max_def) {
          SetError(Status::Corruption("column '" + leaf.leaf->path +
                                      "' lacks a value where the schema requires one"));
          *out += "null";
          Advance(leaf);
          return;
        }
        WriteScalar(leaf);
        Advance(leaf);
        return;
      }
      case Shape::Kind::kObject: {
        out->push_back('{');
        if (s.variant_items) {
          bool first = true;
          WriteVariantFields(s, &first);
        } else {
          for (size_t i = 0; i < s.items.size() && error.ok(); ++i) {
            if (i > 0) out->push_back(',');
            *out += s.keys[i];
            Write(s.items[i]);
          }
        }
        out->push_back('}');
        return;
      }
      case Shape::Kind::kVariant: {
        Cursor& mc = cursors[s.meta_cursor];
        if (!Ensure(mc) || Def(mc) < mc.max_def) {
          SetError(Status::Corruption("variant '" + s.path + "' lacks its metadata"));
          *out += "null";
          return;
        }
        Status st = ParseVariantMetadata(mc.reader->values().views[mc.v], &vdict);
        Advance(mc);
        if (!st.ok()) {
          SetError(st.WithContext("variant '" + s.path + "'"));
          *out += "null";
          return;
        }
        if (!WriteVNode(s.items[0])) *out += "null";
        return;
      }
      case Shape::Kind::kVNode:
        if (!WriteVNode(s)) *out += "null";
        return;
      case Shape::Kind::kList:
      case Shape::Kind::kMap: {
        bool is_map = s.kind == Shape::Kind::kMap;
        if (d < s.rep_def) {
          *out += is_map && s.map_as_object ? "{}" : "[]";
          SkipOne(s, s.rep_def);
          return;
        }
        out->push_back(is_map && s.map_as_object ? '{' : '[');
        bool first = true;
        for (;;) {
          if (!first) out->push_back(',');
          first = false;
          if (!is_map || s.items.size() == 1) {
            Write(s.items[0]);  // a list element (kVNode in a variant), or a map key
          } else if (s.map_as_object) {
            WriteKey(s.items[0]);
            out->push_back(':');
            WriteValueOrNull(s);
          } else {
            *out += "{\"key\":";
            Write(s.items[0]);
            *out += ",\"value\":";
            WriteValueOrNull(s);
            out->push_back('}');
          }
          if (!error.ok() || !Ensure(c) || Rep(c) != s.rep_level) break;
        }
        out->push_back(is_map && s.map_as_object ? '}' : ']');
        return;
      }
    }
  }

  // --- variants ---

  std::vector<std::string_view> vdict;  // the current variant's metadata dictionary

  // Writes the fields of a typed_value object (each a kVNode); fields whose
  // value and typed_value are both null are absent.
  void WriteVariantFields(const Shape& s, bool* first) {
    for (size_t i = 0; i < s.items.size() && error.ok(); ++i) {
      size_t mark = out->size();
      if (!*first) out->push_back(',');
      *out += s.keys[i];
      if (WriteVNode(s.items[i])) {
        *first = false;
      } else {
        out->resize(mark);
      }
    }
  }

  // One {value, typed_value} pair. False (nothing written) when both are null.
  bool WriteVNode(const Shape& s) {
    Cursor& f = cursors[s.first];
    if (!Ensure(f)) {
      Missing(f);
      return false;
    }
    if (s.nullable && Def(f) < s.null_def) {
      SkipOne(s, s.null_def);
      return false;
    }
    Cursor* vc = s.value_cursor >= 0 ? &cursors[static_cast<size_t>(s.value_cursor)] : nullptr;
    bool vp = false, tp = false;
    if (vc) {
      if (!Ensure(*vc)) {
        Missing(*vc);
        return false;
      }
      vp = Def(*vc) == vc->max_def;
    }
    const Shape* typed = s.has_typed ? &s.items[0] : nullptr;
    if (typed) {
      Cursor& tc = cursors[typed->first];
      if (!Ensure(tc)) {
        Missing(tc);
        return false;
      }
      tp = Def(tc) >= s.typed_def;
    }
    std::string_view vbytes = vp ? vc->reader->values().views[vc->v] : std::string_view();
    if (!vp && !tp) {
      if (vc) Advance(*vc);
      if (typed) SkipOne(*typed, s.typed_def);
      return false;
    }
    if (tp) {
      if (vp && typed->kind == Shape::Kind::kObject && typed->variant_items) {
        // A partially shredded object: typed fields plus the rest in `value`.
        out->push_back('{');
        bool first = true;
        WriteVariantFields(*typed, &first);
        VariantValue(vbytes, 0, /*members_only=*/true, &first);
        out->push_back('}');
      } else {
        Write(*typed);
      }
      if (vc) Advance(*vc);
      return true;
    }
    bool unused = true;
    VariantValue(vbytes, 0, false, &unused);
    Advance(*vc);
    if (typed) SkipOne(*typed, s.typed_def);
    return true;
  }

  void VariantError(const std::string& what) {
    SetError(Status::Corruption("malformed variant value: " + what));
  }

  // Decodes one binary variant value to JSON. With members_only the value
  // must be an object whose members are appended (for partially shredded
  // objects); *first tracks the separator.
  void VariantValue(std::string_view v, int depth, bool members_only, bool* first) {
    if (!error.ok()) return;
    if (depth > 64) return VariantError("nested deeper than 64 levels");
    if (v.empty()) return VariantError("empty value");
    auto u = reinterpret_cast<const uint8_t*>(v.data());
    auto need = [&](size_t n) {
      if (v.size() < n) {
        VariantError("value truncated");
        return false;
      }
      return true;
    };
    auto le = [&](size_t at, size_t n) {
      uint64_t x = 0;
      for (size_t i = 0; i < n; ++i) x |= static_cast<uint64_t>(u[at + i]) << (8 * i);
      return x;
    };
    uint8_t basic = u[0] & 3, hdr = u[0] >> 2;
    std::string& o = *out;
    if (members_only && basic != 2)
      return VariantError("a partially shredded value is not an object");
    switch (basic) {
      case 1: {  // short string
        if (!need(1 + size_t{hdr})) return;
        WriteVariantString(v.substr(1, hdr));
        return;
      }
      case 2:
      case 3: {
        bool is_object = basic == 2;
        size_t off_size = (hdr & 3) + 1;
        size_t id_size = is_object ? ((hdr >> 2) & 3) + 1 : 0;
        bool large = is_object ? (hdr >> 4) & 1 : (hdr >> 2) & 1;
        size_t pos = 1;
        size_t count_size = large ? 4 : 1;
        if (!need(pos + count_size)) return;
        uint64_t n = le(pos, count_size);
        pos += count_size;
        if (n > v.size()) return VariantError("element count past the end");
        size_t ids_at = pos;
        pos += static_cast<size_t>(n) * id_size;
        size_t offs_at = pos;
        pos += (static_cast<size_t>(n) + 1) * off_size;
        if (!need(pos)) return;
        size_t values_at = pos;
        if (!members_only) o.push_back(is_object ? '{' : '[');
        for (uint64_t i = 0; i < n && error.ok(); ++i) {
          uint64_t start = le(offs_at + static_cast<size_t>(i) * off_size, off_size);
          uint64_t stop = le(offs_at + static_cast<size_t>(i + 1) * off_size, off_size);
          if (start > stop || values_at + stop > v.size()) return VariantError("bad offsets");
          if (!*first || (!members_only && i > 0)) o.push_back(',');
          *first = false;
          if (is_object) {
            uint64_t id = le(ids_at + static_cast<size_t>(i) * id_size, id_size);
            if (id >= vdict.size()) return VariantError("field id outside the dictionary");
            AppendJsonText(o, vdict[static_cast<size_t>(id)]);
            o.push_back(':');
          }
          bool inner = true;
          VariantValue(
              v.substr(values_at + static_cast<size_t>(start), static_cast<size_t>(stop - start)),
              depth + 1, false, &inner);
        }
        if (!members_only) o.push_back(is_object ? '}' : ']');
        return;
      }
      default:
        break;
    }
    // Primitives.
    switch (hdr) {
      case 0:
        o += "null";
        return;
      case 1:
        o += "true";
        return;
      case 2:
        o += "false";
        return;
      case 3:
        if (need(2)) AppendInt(o, static_cast<int8_t>(u[1]));
        return;
      case 4:
        if (need(3)) AppendInt(o, static_cast<int16_t>(le(1, 2)));
        return;
      case 5:
      case 11:
        if (!need(5)) return;
        if (hdr == 5) {
          AppendInt(o, static_cast<int32_t>(le(1, 4)));
        } else {
          o.push_back('"');
          AppendDate(o, static_cast<int32_t>(le(1, 4)));
          o.push_back('"');
        }
        return;
      case 6:
      case 12:
      case 13:
      case 17:
      case 18:
      case 19: {
        if (!need(9)) return;
        auto x = static_cast<int64_t>(le(1, 8));
        if (hdr == 6) {
          AppendInt(o, x);
          return;
        }
        o.push_back('"');
        if (hdr == 17) {
          if (x >= 0 && x < int64_t{86400} * 1000000) {
            AppendTimeOfDay(o, x, 1000000, 6);
          } else {
            AppendInt(o, x);
          }
        } else {
          AppendTimestamp(o, x, hdr >= 18 ? TimeUnit::kNanos : TimeUnit::kMicros,
                          hdr == 12 || hdr == 18);
        }
        o.push_back('"');
        return;
      }
      case 7: {
        if (!need(9)) return;
        double d;
        std::memcpy(&d, u + 1, 8);
        AppendJsonDouble(o, d);
        return;
      }
      case 14: {
        if (!need(5)) return;
        float f;
        std::memcpy(&f, u + 1, 4);
        AppendFloat(o, f);
        return;
      }
      case 8:
      case 9:
      case 10: {
        size_t width = hdr == 8 ? 4 : hdr == 9 ? 8 : 16;
        if (!need(2 + width)) return;
        unsigned __int128 x = 0;
        for (size_t i = 0; i < width; ++i) x |= static_cast<unsigned __int128>(u[2 + i]) << (8 * i);
        if (width < 16 && (u[1 + width] & 0x80)) {
          x |= ~static_cast<unsigned __int128>(0) << (8 * width);  // sign-extend
        }
        if (options.decimal_as_string) o.push_back('"');
        AppendDecimal128(o, static_cast<__int128>(x), u[1]);
        if (options.decimal_as_string) o.push_back('"');
        return;
      }
      case 15:
      case 16: {
        if (!need(5)) return;
        uint64_t len = le(1, 4);
        if (!need(5 + static_cast<size_t>(len))) return;
        std::string_view bytes = v.substr(5, static_cast<size_t>(len));
        if (hdr == 16) {
          WriteVariantString(bytes);
        } else {
          o.push_back('"');
          AppendBase64(o, bytes);
          o.push_back('"');
        }
        return;
      }
      case 20: {
        if (!need(17)) return;
        static const char* kHex = "0123456789abcdef";
        o.push_back('"');
        for (size_t i = 0; i < 16; ++i) {
          if (i == 4 || i == 6 || i == 8 || i == 10) o.push_back('-');
          o.push_back(kHex[u[1 + i] >> 4]);
          o.push_back(kHex[u[1 + i] & 15]);
        }
        o.push_back('"');
        return;
      }
      default:
        VariantError("unknown primitive type " + std::to_string(hdr));
    }
  }

  void WriteVariantString(std::string_view s) {
    if (IsValidUtf8(s)) {
      AppendJsonText(*out, s);
    } else {
      AppendJsonText(*out, SanitizeUtf8(s));
      if (bad_utf8_column.empty()) bad_utf8_column = "(variant string)";
    }
  }

  void WriteValueOrNull(const Shape& s) {
    if (s.items.size() > 1) {
      Write(s.items[1]);
    } else {
      *out += "null";
    }
  }

  // A map key as a JSON object key (the key shape is a string scalar).
  void WriteKey(const Shape& k) {
    Cursor& c = cursors[k.cursor];
    if (!Ensure(c)) {
      Missing(c);
      *out += "\"\"";
      return;
    }
    if (Def(c) < c.max_def) {
      *out += "\"null\"";
      Advance(c);
      return;
    }
    WriteScalar(c);
    Advance(c);
  }

  void WriteString(const Cursor& c, std::string_view s) {
    if (IsValidUtf8(s)) {
      AppendJsonText(*out, s);
    } else {
      AppendJsonText(*out, SanitizeUtf8(s));
      if (bad_utf8_column.empty()) bad_utf8_column = c.leaf->path;
    }
  }

  template <class T>
  static T Load(const uint8_t* p) {
    T v;
    std::memcpy(&v, p, sizeof(T));
    return v;
  }

  void WriteScalar(const Cursor& c) {
    const ValueBatch& b = c.reader->values();
    const ScalarConv& conv = c.conv;
    const uint8_t* p = conv.width ? b.fixed.data() + c.v * conv.width : nullptr;
    std::string& o = *out;
    switch (conv.kind) {
      case ScalarKind::kNull:
        o += "null";
        return;
      case ScalarKind::kBool:
        o += *p ? "true" : "false";
        return;
      case ScalarKind::kInt32:
        AppendInt(o, Load<int32_t>(p));
        return;
      case ScalarKind::kUInt32:
        AppendUInt(o, Load<uint32_t>(p));
        return;
      case ScalarKind::kInt64:
        AppendInt(o, Load<int64_t>(p));
        return;
      case ScalarKind::kUInt64: {
        uint64_t u = Load<uint64_t>(p);
        if (u > static_cast<uint64_t>(INT64_MAX)) {
          o.push_back('"');
          AppendUInt(o, u);
          o.push_back('"');
        } else {
          AppendUInt(o, u);
        }
        return;
      }
      case ScalarKind::kFloat:
        AppendFloat(o, Load<float>(p));
        return;
      case ScalarKind::kDouble:
        AppendJsonDouble(o, Load<double>(p));
        return;
      case ScalarKind::kFloat16: {
        std::string_view s = b.views[c.v];
        uint16_t h =
            static_cast<uint16_t>(static_cast<uint8_t>(s[0]) | (static_cast<uint8_t>(s[1]) << 8));
        AppendFloat(o, static_cast<float>(HalfToDouble(h)));
        return;
      }
      case ScalarKind::kString:
        WriteString(c, b.views[c.v]);
        return;
      case ScalarKind::kBinary: {
        std::string_view s = b.views[c.v];
        if (!options.binary_as_base64 && LooksLikeText(s)) {
          AppendJsonText(o, s);
        } else {
          o.push_back('"');
          AppendBase64(o, s);
          o.push_back('"');
        }
        return;
      }
      case ScalarKind::kGeometry: {
        std::string_view s = b.views[c.v];
        if (!options.geometry_as_wkb) {
          size_t mark = o.size();
          if (WkbReader(s, o).Run()) return;
          o.resize(mark);  // not valid WKB: fall back to the binary rule
        }
        o.push_back('"');
        AppendBase64(o, s);
        o.push_back('"');
        return;
      }
      case ScalarKind::kDecimal: {
        if (options.decimal_as_string) o.push_back('"');
        if (conv.type == Type::kInt32) {
          AppendDecimal128(o, Load<int32_t>(p), conv.scale);
        } else if (conv.type == Type::kInt64) {
          AppendDecimal128(o, Load<int64_t>(p), conv.scale);
        } else {
          AppendDecimal(o, b.views[c.v], conv.scale);
        }
        if (options.decimal_as_string) o.push_back('"');
        return;
      }
      case ScalarKind::kDate: {
        int32_t days = Load<int32_t>(p);
        if (options.timestamps_as_int) {
          AppendInt(o, days);
          return;
        }
        o.push_back('"');
        AppendDate(o, days);
        o.push_back('"');
        return;
      }
      case ScalarKind::kTime: {
        int64_t v = conv.type == Type::kInt32 ? Load<int32_t>(p) : Load<int64_t>(p);
        int digits;
        int64_t per_sec = PerSecond(conv.unit, &digits);
        if (options.timestamps_as_int || v < 0 || v >= per_sec * 86400) {
          AppendInt(o, v);
          return;
        }
        o.push_back('"');
        AppendTimeOfDay(o, v, per_sec, digits);
        if (conv.utc) o.push_back('Z');
        o.push_back('"');
        return;
      }
      case ScalarKind::kTimestamp: {
        int64_t v = Load<int64_t>(p);
        if (options.timestamps_as_int) {
          AppendInt(o, v);
          return;
        }
        o.push_back('"');
        AppendTimestamp(o, v, conv.unit, conv.utc);
        o.push_back('"');
        return;
      }
      case ScalarKind::kInt96: {
        // 8 bytes of nanoseconds within the day, then the Julian day (int32).
        int64_t nanos = Load<int64_t>(p);
        int64_t julian = Load<int32_t>(p + 8);
        constexpr int64_t kNanosPerDay = int64_t{86400} * 1000000000;
        constexpr int64_t kJulianEpoch = 2440588;
        int64_t days;
        int64_t nod;  // nanoseconds into `days`
        if (nanos >= 0 && nanos < kNanosPerDay) {
          days = julian - kJulianEpoch;
          nod = nanos;
        } else {
          // Spark wraps around in 64-bit microseconds when it writes timestamps
          // beyond year ~290 000 (the nanoseconds come out negative); undo the
          // wrap the same way (as DataFusion Comet does).
          constexpr uint64_t kMicrosPerDay = uint64_t{86400} * 1000000;
          uint64_t micros = static_cast<uint64_t>(julian) * kMicrosPerDay +
                            static_cast<uint64_t>(nanos / 1000) -
                            static_cast<uint64_t>(kJulianEpoch) * kMicrosPerDay;
          auto m = static_cast<int64_t>(micros);
          days = FloorDiv(m, static_cast<int64_t>(kMicrosPerDay));
          nod = (m - days * static_cast<int64_t>(kMicrosPerDay)) * 1000;
        }
        if (options.timestamps_as_int) {
          __int128 total = static_cast<__int128>(days) * kNanosPerDay + nod;
          if (total >= INT64_MIN && total <= INT64_MAX) {
            AppendInt(o, static_cast<int64_t>(total));
          } else {
            o.push_back('"');
            AppendDecimal128(o, total, 0);
            o.push_back('"');
          }
          return;
        }
        o.push_back('"');
        AppendDate(o, days);
        o.push_back('T');
        AppendTimeOfDay(o, nod, 1000000000, 9);
        o += "Z\"";
        return;
      }
      case ScalarKind::kUuid: {
        static const char* kHex = "0123456789abcdef";
        std::string_view s = b.views[c.v];
        o.push_back('"');
        for (size_t i = 0; i < 16; ++i) {
          if (i == 4 || i == 6 || i == 8 || i == 10) o.push_back('-');
          auto byte = static_cast<uint8_t>(s[i]);
          o.push_back(kHex[byte >> 4]);
          o.push_back(kHex[byte & 15]);
        }
        o.push_back('"');
        return;
      }
      case ScalarKind::kInterval: {
        auto s = reinterpret_cast<const uint8_t*>(b.views[c.v].data());
        o += "{\"months\":";
        AppendUInt(o, Load<uint32_t>(s));
        o += ",\"days\":";
        AppendUInt(o, Load<uint32_t>(s + 4));
        o += ",\"milliseconds\":";
        AppendUInt(o, Load<uint32_t>(s + 8));
        o.push_back('}');
        return;
      }
    }
  }

  // --- shape building ---

  std::vector<int> leaf_to_cursor;

  static bool IsList(const SchemaNode& n) {
    return n.logical_type.kind == LogicalType::Kind::kList ||
           (n.converted_type && *n.converted_type == ConvertedType::kList);
  }
  static bool IsMap(const SchemaNode& n) {
    return n.logical_type.kind == LogicalType::Kind::kMap ||
           (n.converted_type && (*n.converted_type == ConvertedType::kMap ||
                                 *n.converted_type == ConvertedType::kMapKeyValue));
  }

  void SetRange(Shape& s, int node) {
    size_t first, end;
    schema->LeafRange(node, &first, &end);
    s.first = static_cast<size_t>(leaf_to_cursor[first]);
    s.end = s.first + (end - first);
    s.path = schema->node(node).path;
  }

  int Child(int idx, std::string_view name) const {
    for (int c : schema->node(idx).children) {
      if (schema->node(c).name == name) return c;
    }
    return -1;
  }

  // A {value, typed_value} group (the variant group itself at the top).
  std::optional<Shape> BuildVNode(int idx, bool top) {
    const SchemaNode& g = schema->node(idx);
    if (g.is_leaf) return std::nullopt;
    int value = Child(idx, "value"), typed = Child(idx, "typed_value");
    if (value < 0 && typed < 0) return std::nullopt;
    if (value >= 0 &&
        (!schema->node(value).is_leaf || schema->node(value).type != Type::kByteArray)) {
      return std::nullopt;
    }
    Shape s;
    s.kind = Shape::Kind::kVNode;
    s.path = g.path;
    size_t first = SIZE_MAX, end = 0;
    for (int c : {value, typed}) {
      if (c < 0) continue;
      size_t f, e;
      schema->LeafRange(c, &f, &e);
      if (f == e) return std::nullopt;
      first = std::min(first, static_cast<size_t>(leaf_to_cursor[f]));
      end = std::max(end, static_cast<size_t>(leaf_to_cursor[f]) + (e - f));
    }
    size_t span = 0;
    for (int c : {value, typed}) {
      if (c < 0) continue;
      size_t f, e;
      schema->LeafRange(c, &f, &e);
      span += e - f;
    }
    if (end - first != span) return std::nullopt;  // metadata in between: not a layout we know
    s.first = first;
    s.end = end;
    if (!top && g.repetition == Repetition::kOptional) {
      s.nullable = true;
      s.null_def = g.max_def;
    }
    if (value >= 0) {
      size_t f, e;
      schema->LeafRange(value, &f, &e);
      s.value_cursor = leaf_to_cursor[f];
    }
    if (typed >= 0) {
      auto t = BuildTyped(typed);
      if (!t) return std::nullopt;
      s.has_typed = true;
      s.typed_def = schema->node(typed).max_def;
      s.items.push_back(std::move(*t));
    }
    return s;
  }

  // A typed_value: a primitive, a LIST of {value, typed_value} elements, or a
  // group whose fields are {value, typed_value} groups.
  std::optional<Shape> BuildTyped(int idx) {
    const SchemaNode& n = schema->node(idx);
    Shape s;
    if (n.is_leaf) {
      s = BuildContent(idx);
    } else if (IsList(n) && n.children.size() == 1 &&
               schema->node(n.children[0]).repetition == Repetition::kRepeated &&
               schema->node(n.children[0]).children.size() == 1) {
      const SchemaNode& r = schema->node(n.children[0]);
      SetRange(s, idx);
      s.kind = Shape::Kind::kList;
      s.rep_def = r.max_def;
      s.rep_level = r.max_rep;
      auto element = BuildVNode(r.children[0], false);
      if (!element) return std::nullopt;
      s.items.push_back(std::move(*element));
      s.variant_items = true;
    } else {
      SetRange(s, idx);
      s.kind = Shape::Kind::kObject;
      s.variant_items = true;
      for (int child : n.children) {
        auto field = BuildVNode(child, false);
        if (!field) return std::nullopt;
        std::string key;
        AppendJsonString(key, schema->node(child).name);
        key.push_back(':');
        s.keys.push_back(std::move(key));
        s.items.push_back(std::move(*field));
      }
    }
    if (n.repetition == Repetition::kOptional) {
      s.nullable = true;
      s.null_def = n.max_def;
    }
    return s;
  }

  std::optional<Shape> BuildVariant(int idx) {
    int meta = Child(idx, "metadata");
    if (meta < 0 || !schema->node(meta).is_leaf || schema->node(meta).type != Type::kByteArray) {
      return std::nullopt;
    }
    auto node = BuildVNode(idx, true);
    if (!node) return std::nullopt;
    Shape s;
    SetRange(s, idx);
    s.kind = Shape::Kind::kVariant;
    size_t f, e;
    schema->LeafRange(meta, &f, &e);
    s.meta_cursor = static_cast<size_t>(leaf_to_cursor[f]);
    s.items.push_back(std::move(*node));
    return s;
  }

  // The value a node stands for, including its own optional/repeated-ness.
  Shape BuildNode(int idx) {
    const SchemaNode& n = schema->node(idx);
    if (n.repetition == Repetition::kRepeated) {
      // A bare repeated field: a list of its content.
      Shape s;
      s.kind = Shape::Kind::kList;
      s.rep_def = n.max_def;
      s.rep_level = n.max_rep;
      SetRange(s, idx);
      s.items.push_back(BuildContent(idx));
      return s;
    }
    Shape s = BuildContent(idx);
    if (n.repetition == Repetition::kOptional) {
      s.nullable = true;
      s.null_def = n.max_def;
    }
    return s;
  }

  // The value of a node ignoring its own repetition.
  Shape BuildContent(int idx) {
    const SchemaNode& n = schema->node(idx);
    Shape s;
    SetRange(s, idx);
    if (n.is_leaf) {
      s.kind = Shape::Kind::kScalar;
      s.cursor = s.first;
      return s;
    }
    if (n.logical_type.kind == LogicalType::Kind::kVariant) {
      if (auto v = BuildVariant(idx)) return std::move(*v);
    }
    if (n.children.size() == 1) {
      const SchemaNode& r = schema->node(n.children[0]);
      if (r.repetition == Repetition::kRepeated && IsList(n)) {
        s.kind = Shape::Kind::kList;
        s.rep_def = r.max_def;
        s.rep_level = r.max_rep;
        // Backward-compatibility rules of the LIST spec: is `r` itself the element?
        bool two_level =
            r.is_leaf || r.children.size() > 1 || r.name == "array" || r.name == n.name + "_tuple";
        s.items.push_back(two_level ? BuildContent(n.children[0]) : BuildNode(r.children[0]));
        return s;
      }
      if (r.repetition == Repetition::kRepeated && IsMap(n) && !r.is_leaf &&
          (r.children.size() == 1 || r.children.size() == 2)) {
        s.kind = Shape::Kind::kMap;
        s.rep_def = r.max_def;
        s.rep_level = r.max_rep;
        s.items.push_back(BuildNode(r.children[0]));
        if (r.children.size() == 2) s.items.push_back(BuildNode(r.children[1]));
        const Shape& key = s.items[0];
        s.map_as_object = r.children.size() == 2 && key.kind == Shape::Kind::kScalar &&
                          cursors[key.cursor].conv.kind == ScalarKind::kString;
        return s;
      }
    }
    s.kind = Shape::Kind::kObject;
    for (int child : n.children) {
      std::string key;
      AppendJsonString(key, schema->node(child).name);
      key.push_back(':');
      s.keys.push_back(std::move(key));
      s.items.push_back(BuildNode(child));
    }
    return s;
  }
};

RowAssembler::RowAssembler() : impl_(std::make_unique<Impl>()) {}
RowAssembler::~RowAssembler() = default;

Result<std::unique_ptr<RowAssembler>> RowAssembler::Build(const Schema& schema,
                                                          const std::vector<int>& fields,
                                                          const JsonOptions& options) {
  std::unique_ptr<RowAssembler> a(new RowAssembler());
  Impl& im = *a->impl_;
  im.schema = &schema;
  im.options = options;
  im.leaf_to_cursor.assign(schema.num_columns(), -1);
  for (int f : fields) {
    if (f <= 0 || static_cast<size_t>(f) >= schema.nodes().size() || schema.node(f).parent != 0) {
      return Status::InvalidArgument("not a top-level field: node " + std::to_string(f));
    }
    size_t first, end;
    schema.LeafRange(f, &first, &end);
    for (size_t col = first; col < end; ++col) {
      if (im.leaf_to_cursor[col] >= 0) {
        return Status::InvalidArgument("field '" + schema.node(f).name + "' is requested twice");
      }
      im.leaf_to_cursor[col] = static_cast<int>(a->columns_.size());
      a->columns_.push_back(col);
      Cursor cur;
      cur.leaf = &schema.leaf(col);
      cur.conv = ChooseScalar(*cur.leaf);
      if (cur.leaf->parent == 0 && cur.leaf->type == Type::kByteArray &&
          cur.conv.kind == ScalarKind::kBinary &&
          std::find(options.wkb_columns.begin(), options.wkb_columns.end(), cur.leaf->name) !=
              options.wkb_columns.end()) {
        cur.conv.kind = ScalarKind::kGeometry;
      }
      cur.max_def = static_cast<uint16_t>(cur.leaf->max_def);
      im.cursors.push_back(cur);
    }
  }
  for (int f : fields) {
    std::string key;
    AppendJsonString(key, schema.node(f).name);
    key.push_back(':');
    im.field_keys.push_back(std::move(key));
    im.fields.push_back(im.BuildNode(f));
  }
  return a;
}

void RowAssembler::Reset(std::vector<ColumnChunkReader*> readers, int64_t num_rows) {
  Impl& im = *impl_;
  for (size_t i = 0; i < im.cursors.size(); ++i) {
    Cursor& c = im.cursors[i];
    c.reader = i < readers.size() ? readers[i] : nullptr;
    c.e = c.v = c.n = 0;
    c.exhausted = false;
  }
  im.error = Status::Ok();
  rows_left_ = num_rows;
}

Result<size_t> RowAssembler::ReadRows(size_t max_rows, std::string* out,
                                      std::vector<size_t>* row_ends,
                                      std::vector<RowIssue>* issues) {
  Impl& im = *impl_;
  im.out = out;
  // Reserve for the batch from the average row size seen so far.
  if (im.rows_seen > 0) {
    size_t avg = static_cast<size_t>(im.bytes_seen / im.rows_seen) + 1;
    size_t want = std::min<uint64_t>(max_rows, static_cast<uint64_t>(rows_left_));
    out->reserve(out->size() + std::min<size_t>(avg * want, size_t{256} << 20));
  }
  const size_t start_size = out->size();
  size_t done = 0;
  while (done < max_rows && rows_left_ > 0) {
    // Every column must be at the start of a row (trivially true without repetition).
    for (Cursor& c : im.cursors) {
      if (c.leaf->max_rep == 0) continue;
      if (!im.Ensure(c)) {
        if (im.error.ok()) im.Missing(c);
        break;
      }
      if (im.Rep(c) != 0) {
        im.SetError(Status::Corruption("column '" + c.leaf->path +
                                       "' does not start a new row where expected (repetition "
                                       "level " +
                                       std::to_string(im.Rep(c)) + ")"));
        break;
      }
    }
    if (!im.error.ok()) return im.error;
    out->push_back('{');
    for (size_t i = 0; i < im.fields.size(); ++i) {
      if (i > 0) out->push_back(',');
      *out += im.field_keys[i];
      im.Write(im.fields[i]);
      if (!im.error.ok()) return im.error;
    }
    out->push_back('}');
    row_ends->push_back(out->size());
    if (!im.bad_utf8_column.empty()) {
      issues->push_back({done, "parquet:invalid_utf8",
                         "column '" + im.bad_utf8_column +
                             "' holds a string that is not valid UTF-8 (invalid bytes were "
                             "replaced with U+FFFD)"});
      im.bad_utf8_column.clear();
    }
    ++done;
    --rows_left_;
  }
  im.rows_seen += done;
  im.bytes_seen += out->size() - start_size;
  if (rows_left_ == 0) {
    for (Cursor& c : im.cursors) {
      if (im.Ensure(c)) {
        return Status::Corruption("column '" + c.leaf->path +
                                  "' holds more values than the row group's rows");
      }
      if (!im.error.ok()) return im.error;
    }
  }
  return done;
}

}  // namespace winnow::parquet
