// pii_scan.h — hand-written scanners for e-mail addresses, public IP addresses
// and phone numbers (no regular expressions: one linear pass per kind).
//
// FindPii returns non-overlapping spans in text order. Kinds are searched in
// priority order e-mail, IPv6, IPv4, phone: a span overlapping an earlier
// kind's span is dropped, as datatrove replaces e-mails before IPs.
// The e-mail scanner follows datatrove's PIIFormatter regex (RFC 5322 dot-atom
// local part, then at least two domain labels); IPs count only when public
// (private, loopback, link-local, documentation, multicast and other reserved
// ranges stay). Thread-safe; no allocation besides the output vector.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace winnow::pii {

enum class Kind : uint8_t { kEmail = 0, kIpv4 = 1, kIpv6 = 2, kPhone = 3 };

struct Span {
  size_t begin;  // byte offsets in the text
  size_t end;
  Kind kind;
};

struct ScanOptions {
  bool email = true;
  bool ip = true;
  bool phone = true;
};

// Appends the spans found in `text` (any bytes; non-ASCII is never part of a match).
void FindPii(std::string_view text, const ScanOptions& options, std::vector<Span>* spans);

// Individual scanners (exposed for tests). Each appends its kind's spans.
void FindEmails(std::string_view text, std::vector<Span>* spans);
void FindIpv4(std::string_view text, std::vector<Span>* spans);
void FindIpv6(std::string_view text, std::vector<Span>* spans);
void FindPhones(std::string_view text, std::vector<Span>* spans);

// True for an IPv4 address (4 octets, host order) in a public (global unicast) range.
bool IsPublicIpv4(uint32_t addr);
// True for an IPv6 address (16 bytes) in a public range: 2000::/3 minus the
// documentation, 6to4, Teredo/IETF-protocol and other reserved blocks.
bool IsPublicIpv6(const uint8_t addr[16]);

}  // namespace winnow::pii
