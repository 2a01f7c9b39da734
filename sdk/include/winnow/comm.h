// winnow/comm.h — collectives between ranks for global stages.
//
// Under MPI every rank runs the same pipeline on its shard of the input; a
// global stage (dedup, sampling) calls these collectives from Finish() so that
// all ranks reach the same decisions. Every rank must make the same sequence
// of calls. Without MPI the host provides a single-rank communicator for which
// each call is a local copy. Calls block; a failed peer yields a non-OK Status
// (never a hang: the host aborts the job).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "winnow/status.h"

namespace winnow {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int world() const = 0;

  // Every rank sends `send[r]` to rank r and receives `recv[r]` from rank r.
  virtual Status AllToAll(const std::vector<std::string>& send,
                          std::vector<std::string>* recv) = 0;
  // Every rank receives every rank's `mine`, indexed by rank.
  virtual Status AllGather(const std::string& mine, std::vector<std::string>* all) = 0;
  // Element-wise sum across ranks, in place.
  virtual Status AllReduceSum(std::vector<int64_t>* values) = 0;
  virtual Status Barrier() = 0;
};

// The communicator for one process: AllToAll/AllGather copy, sums are identity.
class LocalCommunicator : public Communicator {
 public:
  int rank() const override { return 0; }
  int world() const override { return 1; }
  Status AllToAll(const std::vector<std::string>& send, std::vector<std::string>* recv) override {
    *recv = send;
    return Status::Ok();
  }
  Status AllGather(const std::string& mine, std::vector<std::string>* all) override {
    *all = {mine};
    return Status::Ok();
  }
  Status AllReduceSum(std::vector<int64_t>*) override { return Status::Ok(); }
  Status Barrier() override { return Status::Ok(); }
};

}  // namespace winnow
