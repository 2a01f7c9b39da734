// Internal: conversions between simdjson values and winnow::Value.
#pragma once

#include <simdjson.h>

#include "winnow/status.h"
#include "winnow/value.h"

namespace winnow::detail {

Value FromDom(simdjson::dom::element e);

// Materialises an on-demand value (consumes it). Errors become Corruption.
Result<Value> FromOnDemand(simdjson::ondemand::value v);

}  // namespace winnow::detail
