#include "parquet_thrift.h"

#include <cstring>

namespace winnow::parquet {

namespace {
bool IsValidType(uint8_t t) {
  return t <= static_cast<uint8_t>(CType::kStruct);
}
}  // namespace

void CompactReader::Fail(std::string message) {
  if (error_.empty()) {
    error_ = std::move(message) + " (at byte " + std::to_string(pos_) + " of " +
             std::to_string(size_) + ")";
  }
  pos_ = size_;
}

bool CompactReader::Need(size_t n) {
  if (!ok()) return false;
  if (n > size_ - pos_) {
    Fail("truncated Thrift data: need " + std::to_string(n) + " more bytes, " +
         std::to_string(size_ - pos_) + " left");
    return false;
  }
  return true;
}

uint64_t CompactReader::ReadVarint() {
  uint64_t result = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (!Need(1)) return 0;
    uint8_t b = data_[pos_++];
    if (shift == 63 && (b & 0x7e) != 0) {
      Fail("Thrift varint overflows 64 bits");
      return 0;
    }
    result |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return result;
  }
  Fail("Thrift varint longer than 10 bytes");
  return 0;
}

int64_t CompactReader::ReadZigZag(int bits) {
  uint64_t u = ReadVarint();
  int64_t v = static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1);
  if (bits < 64) {
    int64_t lo = -(int64_t{1} << (bits - 1)), hi = (int64_t{1} << (bits - 1)) - 1;
    if (v < lo || v > hi) {
      Fail("Thrift integer " + std::to_string(v) + " does not fit in " + std::to_string(bits) +
           " bits");
      return 0;
    }
  }
  return v;
}

void CompactReader::BeginStruct() {
  if (field_id_stack_.size() >= kMaxDepth) {
    Fail("Thrift structs nested deeper than " + std::to_string(kMaxDepth) + " levels");
    return;
  }
  field_id_stack_.push_back(last_field_id_);
  last_field_id_ = 0;
}

void CompactReader::EndStruct() {
  if (field_id_stack_.empty()) return;
  last_field_id_ = field_id_stack_.back();
  field_id_stack_.pop_back();
}

bool CompactReader::NextField(int16_t* field_id, CType* type) {
  pending_bool_ = -1;
  if (!Need(1)) return false;
  uint8_t b = data_[pos_++];
  uint8_t t = b & 0x0f;
  if (t == 0) {
    if (b != 0) {
      Fail("bad Thrift field header byte " + std::to_string(b));
    }
    return false;
  }
  if (!IsValidType(t)) {
    Fail("bad Thrift field type " + std::to_string(t));
    return false;
  }
  uint8_t delta = b >> 4;
  int16_t id;
  if (delta != 0) {
    id = static_cast<int16_t>(last_field_id_ + delta);
  } else {
    id = ReadI16();
  }
  if (!ok()) return false;
  last_field_id_ = id;
  *field_id = id;
  *type = static_cast<CType>(t);
  if (*type == CType::kBoolTrue) pending_bool_ = 1;
  if (*type == CType::kBoolFalse) pending_bool_ = 0;
  return true;
}

bool CompactReader::ReadBool() {
  if (pending_bool_ >= 0) {
    bool v = pending_bool_ == 1;
    pending_bool_ = -1;
    return v;
  }
  if (!Need(1)) return false;
  return data_[pos_++] == 1;
}

int8_t CompactReader::ReadByte() {
  if (!Need(1)) return 0;
  return static_cast<int8_t>(data_[pos_++]);
}

double CompactReader::ReadDouble() {
  if (!Need(8)) return 0;
  double d;
  std::memcpy(&d, data_ + pos_, 8);
  pos_ += 8;
  return d;
}

std::string_view CompactReader::ReadBinary() {
  uint64_t len = ReadVarint();
  if (!ok()) return {};
  if (len > size_ - pos_) {
    Fail("Thrift string of " + std::to_string(len) + " bytes runs past the end (" +
         std::to_string(size_ - pos_) + " bytes left)");
    return {};
  }
  std::string_view v(reinterpret_cast<const char*>(data_ + pos_), static_cast<size_t>(len));
  pos_ += static_cast<size_t>(len);
  return v;
}

bool CompactReader::BeginList(CType* element_type, uint32_t* size) {
  pending_bool_ = -1;
  if (!Need(1)) return false;
  uint8_t b = data_[pos_++];
  uint8_t t = b & 0x0f;
  uint64_t n = b >> 4;
  if (n == 15) n = ReadVarint();
  if (!ok()) return false;
  if (!IsValidType(t) || t == 0) {
    Fail("bad Thrift list element type " + std::to_string(t));
    return false;
  }
  // bools in lists are one byte each (type 1 or 2 both mean "bool")
  CType et = static_cast<CType>(t);
  if (et == CType::kBoolFalse) et = CType::kBoolTrue;
  // Every element takes at least one byte (a struct at least its STOP byte).
  if (n > remaining()) {
    Fail("Thrift list claims " + std::to_string(n) + " elements but only " +
         std::to_string(remaining()) + " bytes are left");
    return false;
  }
  *element_type = et;
  *size = static_cast<uint32_t>(n);
  return true;
}

bool CompactReader::BeginMap(CType* key_type, CType* value_type, uint32_t* size) {
  pending_bool_ = -1;
  uint64_t n = ReadVarint();
  if (!ok()) return false;
  if (n == 0) {
    *size = 0;
    *key_type = *value_type = CType::kStop;
    return true;
  }
  if (n > remaining()) {
    Fail("Thrift map claims " + std::to_string(n) + " entries but only " +
         std::to_string(remaining()) + " bytes are left");
    return false;
  }
  if (!Need(1)) return false;
  uint8_t b = data_[pos_++];
  uint8_t kt = b >> 4, vt = b & 0x0f;
  if (!IsValidType(kt) || !IsValidType(vt) || kt == 0 || vt == 0) {
    Fail("bad Thrift map types");
    return false;
  }
  *key_type = static_cast<CType>(kt);
  *value_type = static_cast<CType>(vt);
  if (*key_type == CType::kBoolFalse) *key_type = CType::kBoolTrue;
  if (*value_type == CType::kBoolFalse) *value_type = CType::kBoolTrue;
  *size = static_cast<uint32_t>(n);
  return true;
}

bool CompactReader::Charge(uint64_t bytes) {
  if (!ok()) return false;
  if (bytes > memory_limit_ - memory_used_) {
    Fail("the structure would need more than " + std::to_string(memory_limit_ >> 20) +
         " MiB of memory");
    return false;
  }
  memory_used_ += bytes;
  return true;
}

void CompactReader::Skip(CType type) {
  if (!ok()) return;
  switch (type) {
    case CType::kBoolTrue:
    case CType::kBoolFalse:
      if (pending_bool_ >= 0) {
        pending_bool_ = -1;
      } else {
        ReadByte();
      }
      return;
    case CType::kByte:
      ReadByte();
      return;
    case CType::kI16:
    case CType::kI32:
    case CType::kI64:
      ReadVarint();
      return;
    case CType::kDouble:
      if (Need(8)) pos_ += 8;
      return;
    case CType::kBinary:
      ReadBinary();
      return;
    case CType::kList:
    case CType::kSet: {
      CType et;
      uint32_t n;
      if (!BeginList(&et, &n)) return;
      if (field_id_stack_.size() >= kMaxDepth) {
        Fail("Thrift data nested deeper than " + std::to_string(kMaxDepth) + " levels");
        return;
      }
      field_id_stack_.push_back(last_field_id_);
      for (uint32_t i = 0; i < n && ok(); ++i) Skip(et);
      EndStruct();
      return;
    }
    case CType::kMap: {
      CType kt, vt;
      uint32_t n;
      if (!BeginMap(&kt, &vt, &n)) return;
      if (field_id_stack_.size() >= kMaxDepth) {
        Fail("Thrift data nested deeper than " + std::to_string(kMaxDepth) + " levels");
        return;
      }
      field_id_stack_.push_back(last_field_id_);
      for (uint32_t i = 0; i < n && ok(); ++i) {
        Skip(kt);
        Skip(vt);
      }
      EndStruct();
      return;
    }
    case CType::kStruct: {
      BeginStruct();
      int16_t id;
      CType t;
      while (NextField(&id, &t)) Skip(t);
      EndStruct();
      return;
    }
    case CType::kStop:
      Fail("unexpected Thrift STOP type");
      return;
  }
}

bool CompactReader::Expect(CType actual, CType expected, const char* what) {
  if (actual == expected) return true;
  bool both_bool = (actual == CType::kBoolTrue || actual == CType::kBoolFalse) &&
                   (expected == CType::kBoolTrue || expected == CType::kBoolFalse);
  if (both_bool) return true;
  Fail(std::string("Thrift field ") + what + " has wire type " +
       std::to_string(static_cast<int>(actual)) + ", expected " +
       std::to_string(static_cast<int>(expected)));
  return false;
}

// ---------------------------------------------------------------------------

void CompactWriter::BeginStruct() {
  field_id_stack_.push_back(last_field_id_);
  last_field_id_ = 0;
}

void CompactWriter::EndStruct() {
  out_->push_back(0);
  if (!field_id_stack_.empty()) {
    last_field_id_ = field_id_stack_.back();
    field_id_stack_.pop_back();
  }
}

void CompactWriter::FieldBegin(int16_t field_id, CType type) {
  int delta = field_id - last_field_id_;
  if (delta > 0 && delta <= 15) {
    out_->push_back(static_cast<char>((delta << 4) | static_cast<uint8_t>(type)));
  } else {
    out_->push_back(static_cast<char>(type));
    WriteZigZag(field_id);
  }
  last_field_id_ = field_id;
}

void CompactWriter::FieldBool(int16_t id, bool v) {
  FieldBegin(id, v ? CType::kBoolTrue : CType::kBoolFalse);
}
void CompactWriter::FieldByte(int16_t id, int8_t v) {
  FieldBegin(id, CType::kByte);
  WriteByte(v);
}
void CompactWriter::FieldI16(int16_t id, int16_t v) {
  FieldBegin(id, CType::kI16);
  WriteZigZag(v);
}
void CompactWriter::FieldI32(int16_t id, int32_t v) {
  FieldBegin(id, CType::kI32);
  WriteZigZag(v);
}
void CompactWriter::FieldI64(int16_t id, int64_t v) {
  FieldBegin(id, CType::kI64);
  WriteZigZag(v);
}
void CompactWriter::FieldDouble(int16_t id, double v) {
  FieldBegin(id, CType::kDouble);
  WriteDouble(v);
}
void CompactWriter::FieldBinary(int16_t id, std::string_view v) {
  FieldBegin(id, CType::kBinary);
  WriteBinary(v);
}
void CompactWriter::FieldList(int16_t id, CType element_type, uint32_t size) {
  FieldBegin(id, CType::kList);
  ListBegin(element_type, size);
}

void CompactWriter::ListBegin(CType element_type, uint32_t size) {
  if (size < 15) {
    out_->push_back(static_cast<char>((size << 4) | static_cast<uint8_t>(element_type)));
  } else {
    out_->push_back(static_cast<char>(0xf0 | static_cast<uint8_t>(element_type)));
    WriteVarint(size);
  }
}

void CompactWriter::WriteDouble(double v) {
  char buf[8];
  std::memcpy(buf, &v, 8);
  out_->append(buf, 8);
}

void CompactWriter::WriteBinary(std::string_view v) {
  WriteVarint(v.size());
  out_->append(v.data(), v.size());
}

void CompactWriter::WriteVarint(uint64_t v) {
  while (v >= 0x80) {
    out_->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out_->push_back(static_cast<char>(v));
}

void CompactWriter::WriteZigZag(int64_t v) {
  WriteVarint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

}  // namespace winnow::parquet
