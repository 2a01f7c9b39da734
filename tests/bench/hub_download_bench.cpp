// hub_download_bench — Hub download throughput of source/hf_hub's client against
// plain curl on the same file, from the fake Hub on 127.0.0.1 (no network).
//
//   build-X/bin/hub_download_bench [MiB=256] [runs=3]
//
// Rows printed (best of `runs`, MB/s = 10^6 bytes per second of wall time):
//   libcurl easy -> file        the baseline: one GET of the CDN URL into a file
//   curl CLI -> file            /usr/bin/curl -s -o FILE URL (when installed)
//   winnow::Send -> file        the SDK's HTTP client (winnow/http.h) with download_path
//   HubClient cold, verify      HEAD resolve + GET + sha256 check + blob rename + symlink
//   HubClient cold, no verify   the same without the checksum
//   HubClient warm cache        the file is already in snapshots/ (no request)
//   sha256 alone                the checksum over the bytes in memory
#include <curl/curl.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "fake_hub.h"
#include "hf_hub_client.h"
#include "hf_hub_common.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double Seconds(Clock::time_point a) {
  return std::chrono::duration<double>(Clock::now() - a).count();
}

size_t WriteToFile(char* p, size_t s, size_t n, void* f) {
  return std::fwrite(p, s, n, static_cast<FILE*>(f));
}

void Report(const char* name, double best_s, uint64_t bytes) {
  std::printf("%-28s %8.3f s  %8.0f MB/s\n", name, best_s,
              static_cast<double>(bytes) / best_s / 1e6);
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t mib = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 256;
  int runs = argc > 2 ? std::atoi(argv[2]) : 3;
  uint64_t size = mib << 20;
  std::string data(size, '\0');
  uint64_t x = 0x9E3779B97F4A7C15ULL;
  for (size_t i = 0; i < data.size(); i += 8) {  // incompressible bytes
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    std::memcpy(&data[i], &x, std::min<size_t>(8, data.size() - i));
  }
  winnow::testing::FakeHub hub;
  std::string commit = hub.SetFiles("bench/ds", "main", {{"data/train.bin", data}}, 1);
  std::string sha = winnow::hf::Sha256Hex(data);
  fs::path dir = fs::temp_directory_path() / ("hub-bench-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::printf("file: %llu MiB, best of %d runs, fake Hub at %s\n",
              static_cast<unsigned long long>(mib), runs, hub.endpoint().c_str());

  // The CDN URL, as the resolve redirect names it (registers the blob with the fake).
  {
    winnow::HttpRequest q;
    q.method = "HEAD";
    q.url = hub.endpoint() + "/datasets/bench/ds/resolve/main/data/train.bin";
    q.follow_redirects = false;
    auto r = winnow::Send(q);
    if (!r.ok() || r->status != 302) {
      std::fprintf(stderr, "resolve failed\n");
      return 1;
    }
  }
  std::string cdn = hub.endpoint() + "/cdn/" + sha + "?X-Amz-Signature=fake";

  double best = 1e30;
  for (int i = 0; i < runs; ++i) {
    fs::path out = dir / "curl.bin";
    FILE* f = std::fopen(out.c_str(), "wb");
    CURL* c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, cdn.c_str());
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &WriteToFile);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
    auto t = Clock::now();
    CURLcode rc = curl_easy_perform(c);
    std::fclose(f);
    double s = Seconds(t);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK || fs::file_size(out) != size) {
      std::fprintf(stderr, "libcurl download failed\n");
      return 1;
    }
    best = std::min(best, s);
    fs::remove(out);
  }
  Report("libcurl easy -> file", best, size);

  if (std::system("command -v curl > /dev/null 2>&1") == 0) {
    best = 1e30;
    for (int i = 0; i < runs; ++i) {
      fs::path out = dir / "cli.bin";
      std::string cmd = "curl -s -o '" + out.string() + "' '" + cdn + "'";
      auto t = Clock::now();
      int rc = std::system(cmd.c_str());
      double s = Seconds(t);
      if (rc != 0 || fs::file_size(out) != size) {
        std::fprintf(stderr, "curl CLI failed\n");
        return 1;
      }
      best = std::min(best, s);
      fs::remove(out);
    }
    Report("curl CLI -> file", best, size);
  }

  best = 1e30;
  for (int i = 0; i < runs; ++i) {  // the SDK's HTTP client alone
    fs::path out = dir / "sdk.bin";
    winnow::HttpRequest q;
    q.url = cdn;
    q.download_path = out;
    auto t = Clock::now();
    auto r = winnow::Send(q);
    double s = Seconds(t);
    if (!r.ok() || fs::file_size(out) != size) {
      std::fprintf(stderr, "winnow::Send failed\n");
      return 1;
    }
    best = std::min(best, s);
    fs::remove(out);
  }
  Report("winnow::Send -> file", best, size);
  for (bool verify : {true, false}) {
    best = 1e30;
    for (int i = 0; i < runs; ++i) {
      fs::path cache = dir / "cache";
      fs::remove_all(cache);
      winnow::hf::HubClientOptions o;
      o.endpoint = hub.endpoint();
      o.cache_dir = cache;
      o.verify = verify;
      winnow::hf::HubClient client(o);
      winnow::hf::RepoFile file;
      file.path = "data/train.bin";
      file.size = size;
      file.lfs_oid = sha;
      auto t = Clock::now();
      auto r = client.Fetch("bench/ds", commit, file, nullptr);
      double s = Seconds(t);
      if (!r.ok()) {
        std::fprintf(stderr, "HubClient: %s\n", r.status().message().c_str());
        return 1;
      }
      best = std::min(best, s);
    }
    Report(verify ? "HubClient cold, verify" : "HubClient cold, no verify", best, size);
  }
  {
    winnow::hf::HubClientOptions o;
    o.endpoint = hub.endpoint();
    o.cache_dir = dir / "cache";
    winnow::hf::HubClient client(o);
    winnow::hf::RepoFile file;
    file.path = "data/train.bin";
    file.size = size;
    file.lfs_oid = sha;
    auto t = Clock::now();
    auto r = client.Fetch("bench/ds", commit, file, nullptr);
    double s = Seconds(t);
    if (!r.ok()) return 1;
    Report("HubClient warm cache", s, size);
  }
  {
    auto t = Clock::now();
    std::string h = winnow::hf::Sha256Hex(data);
    Report("sha256 alone", Seconds(t), size);
    if (h != sha) return 1;
  }
  fs::remove_all(dir);
  return 0;
}
