// parquet_thrift.h — the Thrift compact protocol, as Parquet uses it for its
// footer (FileMetaData) and page headers.
//
// CompactReader decodes from a byte range it does not own. Errors are sticky:
// after the first problem (truncated input, a length past the end, nesting
// deeper than kMaxDepth, a bad type nibble) every read returns a zero value,
// NextField() returns false and error() says what went wrong and at which byte
// offset. Callers parse a whole struct and check ok() once at the end, so a
// malformed footer can never make the reader run past its input, recurse
// without bound or allocate more than the input's size.
//
// CompactWriter appends the same encoding to a std::string (used by tests, the
// benchmark's file generator and the Parquet writer). It has no failure modes.
//
// Neither class is thread-safe; both are cheap to construct.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace winnow::parquet {

// Compact-protocol type nibbles.
enum class CType : uint8_t {
  kStop = 0,
  kBoolTrue = 1,
  kBoolFalse = 2,
  kByte = 3,
  kI16 = 4,
  kI32 = 5,
  kI64 = 6,
  kDouble = 7,
  kBinary = 8,
  kList = 9,
  kSet = 10,
  kMap = 11,
  kStruct = 12,
};

class CompactReader {
 public:
  static constexpr int kMaxDepth = 64;

  CompactReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  CompactReader(std::string_view bytes)
      : CompactReader(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()) {}

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  size_t position() const { return pos_; }
  size_t remaining() const { return size_ - pos_; }
  // Records the first error (later ones are ignored) and stops all reading.
  void Fail(std::string message);

  // Structs: BeginStruct(), then NextField() until it returns false, then EndStruct().
  void BeginStruct();
  void EndStruct();
  // Reads the next field header. False at the struct's STOP byte or on error.
  bool NextField(int16_t* field_id, CType* type);

  // Scalars. In a field context ReadBool() returns the value carried by the
  // field header; inside a list it reads one byte.
  bool ReadBool();
  int8_t ReadByte();
  int16_t ReadI16() { return static_cast<int16_t>(ReadZigZag(16)); }
  int32_t ReadI32() { return static_cast<int32_t>(ReadZigZag(32)); }
  int64_t ReadI64() { return ReadZigZag(64); }
  double ReadDouble();
  // A view into the input (valid as long as the input is).
  std::string_view ReadBinary();
  std::string ReadString() { return std::string(ReadBinary()); }

  // Lists and sets: element type and count. The count is checked against the
  // remaining input (every element takes at least one byte, except lists of
  // empty structs which are refused above kMaxEmptyElements).
  bool BeginList(CType* element_type, uint32_t* size);
  // Maps: key/value types and count.
  bool BeginMap(CType* key_type, CType* value_type, uint32_t* size);

  // Memory accounting for callers that build structures from the input: each
  // Charge() adds to a running total and fails the reader (returning false)
  // once it exceeds the limit, so a short input cannot claim huge containers.
  void set_memory_limit(uint64_t bytes) { memory_limit_ = bytes; }
  bool Charge(uint64_t bytes);

  // Skips a value of the given type (recursively, depth-limited).
  void Skip(CType type);

  // Checks that a field's wire type is the expected one; on mismatch fails
  // with a message naming `what` and returns false.
  bool Expect(CType actual, CType expected, const char* what);

 private:
  uint64_t ReadVarint();
  int64_t ReadZigZag(int bits);
  bool Need(size_t n);

  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  std::string error_;
  // Last field id per open struct (field ids are delta-encoded).
  int16_t last_field_id_ = 0;
  std::vector<int16_t> field_id_stack_;
  // Bool carried by the current field header (compact protocol quirk).
  int pending_bool_ = -1;
  uint64_t memory_limit_ = UINT64_MAX, memory_used_ = 0;
};

class CompactWriter {
 public:
  explicit CompactWriter(std::string* out) : out_(out) {}

  void BeginStruct();
  void EndStruct();  // writes STOP

  // Field header; for bools use FieldBool.
  void FieldBegin(int16_t field_id, CType type);
  void FieldBool(int16_t id, bool v);
  void FieldByte(int16_t id, int8_t v);
  void FieldI16(int16_t id, int16_t v);
  void FieldI32(int16_t id, int32_t v);
  void FieldI64(int16_t id, int64_t v);
  void FieldDouble(int16_t id, double v);
  void FieldBinary(int16_t id, std::string_view v);
  // Field header for a nested struct; follow with BeginStruct()/EndStruct().
  void FieldStruct(int16_t id) { FieldBegin(id, CType::kStruct); }
  void FieldList(int16_t id, CType element_type, uint32_t size);

  // Raw values (list elements).
  void ListBegin(CType element_type, uint32_t size);
  void WriteBool(bool v) { out_->push_back(v ? 1 : 2); }
  void WriteByte(int8_t v) { out_->push_back(static_cast<char>(v)); }
  void WriteI32(int32_t v) { WriteZigZag(v); }
  void WriteI64(int64_t v) { WriteZigZag(v); }
  void WriteDouble(double v);
  void WriteBinary(std::string_view v);
  void WriteVarint(uint64_t v);
  void WriteZigZag(int64_t v);

 private:
  std::string* out_;
  int16_t last_field_id_ = 0;
  std::vector<int16_t> field_id_stack_;
};

}  // namespace winnow::parquet
