// Shared by the transform/format_* tests: calls a stage directly on raw row
// bytes. Rows whose bytes are not JSON never reach a stage through
// PluginHarness (sources validate rows), so the malformed_json path is tested
// this way.
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "fixtures/test_context.h"
#include "harness/plugin_harness.h"
#include "registry/registry.h"
#include "winnow/stage.h"

namespace format_testing {

// Runs transform/<name> with `config` over `raw` rows (bytes as given) and
// returns the rejects; `kept` receives the number of rows left.
inline std::vector<winnow::Reject> ProcessRaw(const std::string& name, const std::string& config,
                                              const std::vector<std::string>& raw,
                                              size_t* kept = nullptr) {
  winnow::core::Registry registry;
  registry.Discover(winnow::core::Registry::DefaultSearchPath({}));
  auto loaded = registry.Load("transform", name);
  REQUIRE(loaded.ok());
  auto parsed = winnow::Value::Parse(config);
  REQUIRE(parsed.ok());
  auto created = loaded->descriptor->create(*parsed);
  REQUIRE(created.ok());
  auto* stage = dynamic_cast<winnow::Stage*>(created->get());
  REQUIRE(stage != nullptr);
  winnow::testing::TempDir dir;
  winnow::testing::TestContext ctx(dir.path());
  winnow::Batch batch;
  for (size_t i = 0; i < raw.size(); ++i) {
    batch.rows.push_back(winnow::Record::FromJson(winnow::RowId{0, i}, raw[i]));
  }
  REQUIRE(stage->Process(batch, ctx).ok());
  batch.Compact();
  if (kept) *kept = batch.rows.size();
  std::vector<winnow::Reject> rejects = batch.rejects;
  created->reset();  // before the registry unloads the library
  return rejects;
}

}  // namespace format_testing
