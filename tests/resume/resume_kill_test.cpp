// Crash safety of a long LLM job: `winnow run` is killed with SIGKILL at
// random points while it talks to a fake OpenAI server that counts requests,
// then run again until it finishes. The final output must be byte-identical to
// an uninterrupted run, nothing may be lost, runs must not hang, and a row
// whose answer was already received (cached) must not be requested again: the
// only repeated requests are those in flight when a kill landed.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <random>
#include <thread>

#include "fixtures/fake_openai_server.h"
#include "harness/plugin_harness.h"

extern char** environ;

using namespace winnow::testing;
namespace fs = std::filesystem;

namespace {

constexpr int kRows = 240;
constexpr int kConcurrency = 8;

std::string Pipeline(const std::string& base_url, const fs::path& input, const fs::path& out) {
  return "name: resume\nrun: {batch_size: 8, output_dir: \"" + out.string() +
         "\"}\nllms:\n  writer:\n    uses: llm/openai\n    with: {base_url: \"" + base_url +
         "\", model: m, flavor: vllm, api_key_env: \"\", max_concurrency: " +
         std::to_string(kConcurrency) +
         "}\nsteps:\n  - {name: read, uses: source/jsonl, with: {paths: [\"" + input.string() +
         "\"]}}\n  - {name: answer, uses: task/generate, with: {llm: writer, prompt: "
         "\"{{instruction}}\"}}\n  - {name: write, uses: exporter/jsonl, with: {path: "
         "out.jsonl}}\n";
}

// Starts `winnow -q run yaml` with WINNOW_CACHE_DIR=cache; returns its pid.
pid_t Start(const fs::path& yaml, const fs::path& cache) {
  std::string bin = WinnowBinary().string();
  std::string y = yaml.string();
  std::vector<std::string> env_store;
  for (char** e = environ; *e; ++e) {
    if (std::string(*e).rfind("WINNOW_CACHE_DIR=", 0) != 0) env_store.emplace_back(*e);
  }
  env_store.push_back("WINNOW_CACHE_DIR=" + cache.string());
  std::vector<char*> envp;
  for (auto& s : env_store) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = {bin, "-q", "run", y};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, bin.c_str(), &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  REQUIRE(rc == 0);
  return pid;
}

// Waits up to `timeout`; returns the exit status, or -1 after killing a hung run.
int Wait(pid_t pid, std::chrono::seconds timeout) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  return -1;
}

std::map<std::string, int> PromptCounts(const FakeOpenAIServer& server) {
  std::map<std::string, int> counts;
  for (const auto& body : server.bodies()) {
    auto v = winnow::Value::Parse(body);
    if (!v.ok()) continue;
    const winnow::Value* messages = v->find("messages");
    if (!messages || !messages->is_array() || messages->size() == 0) continue;
    counts[messages->as_array().back().find("content")->as_string()]++;
  }
  return counts;
}

}  // namespace

TEST_CASE("a run killed at random points resumes to the uninterrupted output") {
  TempDir dir;
  std::string input;
  for (int i = 0; i < kRows; ++i) {
    input += "{\"id\": " + std::to_string(i) + ", \"instruction\": \"question " +
             std::to_string(i) + "\"}\n";
  }
  WriteText(dir / "in.jsonl", input);

  // Reference: one uninterrupted run with its own server and cache.
  FakeOpenAIServer reference_server(16, 5);
  WriteText(dir / "ref.yaml", Pipeline(reference_server.base_url(), dir / "in.jsonl", dir / "ref"));
  REQUIRE(Wait(Start(dir / "ref.yaml", dir / "ref-cache"), std::chrono::seconds(120)) == 0);
  std::string reference = ReadText(dir / "ref" / "out.jsonl");
  REQUIRE(std::count(reference.begin(), reference.end(), '\n') == kRows);
  CHECK(reference_server.requests() == static_cast<size_t>(kRows));

  // The same job, killed with SIGKILL at random points.
  FakeOpenAIServer server(16, 40);  // ~1.2 s of requests: kills land mid-run
  WriteText(dir / "run.yaml", Pipeline(server.base_url(), dir / "in.jsonl", dir / "out"));
  std::mt19937 rng(12345);
  int kills = 0;
  for (int attempt = 0; attempt < 8; ++attempt) {
    pid_t pid = Start(dir / "run.yaml", dir / "cache");
    std::this_thread::sleep_for(std::chrono::milliseconds(40 + rng() % 600));
    if (::kill(pid, SIGKILL) == 0) ++kills;
    ::waitpid(pid, nullptr, 0);
    // Never a partial file under the final name: absent, or the complete output.
    if (fs::exists(dir / "out" / "out.jsonl")) CHECK(ReadText(dir / "out" / "out.jsonl") == reference);
  }
  int exit_code = Wait(Start(dir / "run.yaml", dir / "cache"), std::chrono::seconds(120));
  REQUIRE(exit_code == 0);
  CHECK(ReadText(dir / "out" / "out.jsonl") == reference);

  // Repeats only for requests that were in flight when a kill landed.
  size_t repeated = 0;
  for (const auto& [prompt, n] : PromptCounts(server)) repeated += static_cast<size_t>(n - 1);
  INFO("kills: " << kills << ", requests: " << server.requests());
  CHECK(repeated <= static_cast<size_t>(kills * kConcurrency));
  CHECK(PromptCounts(server).size() == static_cast<size_t>(kRows));

  // A re-run of the finished job sends nothing.
  size_t before = server.requests();
  REQUIRE(Wait(Start(dir / "run.yaml", dir / "cache"), std::chrono::seconds(60)) == 0);
  CHECK(server.requests() == before);
  CHECK(ReadText(dir / "out" / "out.jsonl") == reference);
}
