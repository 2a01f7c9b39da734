// MPI implementation of core/dist/dist.h (compiled when MPI is found).
#ifdef WINNOW_WITH_MPI
#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "dist/dist.h"

namespace winnow::core {

std::unique_ptr<Distributed> MakeLocalDistributed();

namespace {

Status MpiError(int rc, const char* what) {
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  return Status::IOError(std::string(what) + " failed: " + std::string(text, len));
}

class MpiCommunicator final : public Communicator {
 public:
  explicit MpiCommunicator(MPI_Comm comm) : comm_(comm) {
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &world_);
  }
  ~MpiCommunicator() override { MPI_Comm_free(&comm_); }
  int rank() const override { return rank_; }
  int world() const override { return world_; }

  Status AllToAll(const std::vector<std::string>& send, std::vector<std::string>* recv) override {
    if (static_cast<int>(send.size()) != world_) {
      return Status::Internal("AllToAll needs one buffer per rank");
    }
    // Sizes first, then the payload in chunks that fit MPI's int counts.
    std::vector<long long> send_sizes(world_), recv_sizes(world_);
    for (int r = 0; r < world_; ++r) send_sizes[r] = static_cast<long long>(send[r].size());
    int rc = MPI_Alltoall(send_sizes.data(), 1, MPI_LONG_LONG, recv_sizes.data(), 1,
                          MPI_LONG_LONG, comm_);
    if (rc != MPI_SUCCESS) return MpiError(rc, "MPI_Alltoall");
    recv->assign(world_, std::string());
    for (int r = 0; r < world_; ++r) (*recv)[r].resize(static_cast<size_t>(recv_sizes[r]));
    const long long kChunk = 1LL << 30;
    long long max_size = 0;
    for (int r = 0; r < world_; ++r) max_size = std::max({max_size, send_sizes[r], recv_sizes[r]});
    long long local_max = max_size;
    MPI_Allreduce(&local_max, &max_size, 1, MPI_LONG_LONG, MPI_MAX, comm_);
    for (long long offset = 0; offset < max_size || offset == 0; offset += kChunk) {
      std::vector<int> sc(world_), sd(world_), rcnt(world_), rd(world_);
      std::string sendbuf;
      int total_recv = 0;
      for (int r = 0; r < world_; ++r) {
        long long n = std::max(0LL, std::min(kChunk, send_sizes[r] - offset));
        sd[r] = static_cast<int>(sendbuf.size());
        sc[r] = static_cast<int>(n);
        if (n > 0) sendbuf.append(send[r], static_cast<size_t>(offset), static_cast<size_t>(n));
        long long m = std::max(0LL, std::min(kChunk, recv_sizes[r] - offset));
        rd[r] = total_recv;
        rcnt[r] = static_cast<int>(m);
        total_recv += static_cast<int>(m);
      }
      std::string recvbuf(static_cast<size_t>(total_recv), '\0');
      rc = MPI_Alltoallv(sendbuf.data(), sc.data(), sd.data(), MPI_CHAR, recvbuf.data(),
                         rcnt.data(), rd.data(), MPI_CHAR, comm_);
      if (rc != MPI_SUCCESS) return MpiError(rc, "MPI_Alltoallv");
      for (int r = 0; r < world_; ++r) {
        if (rcnt[r] > 0) {
          (*recv)[r].replace(static_cast<size_t>(offset), static_cast<size_t>(rcnt[r]),
                             recvbuf.data() + rd[r], static_cast<size_t>(rcnt[r]));
        }
      }
      if (max_size == 0) break;
    }
    return Status::Ok();
  }

  Status AllGather(const std::string& mine, std::vector<std::string>* all) override {
    std::vector<std::string> send(world_, mine);
    return AllToAll(send, all);
  }

  Status AllReduceSum(std::vector<int64_t>* values) override {
    int rc = MPI_Allreduce(MPI_IN_PLACE, values->data(), static_cast<int>(values->size()),
                           MPI_INT64_T, MPI_SUM, comm_);
    return rc == MPI_SUCCESS ? Status::Ok() : MpiError(rc, "MPI_Allreduce");
  }

  Status Barrier() override {
    int rc = MPI_Barrier(comm_);
    return rc == MPI_SUCCESS ? Status::Ok() : MpiError(rc, "MPI_Barrier");
  }

 private:
  MPI_Comm comm_;
  int rank_ = 0, world_ = 1;
};

class MpiDistributed final : public Distributed {
 public:
  MpiDistributed() {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &world_);
  }
  ~MpiDistributed() override { MPI_Finalize(); }
  int rank() const override { return rank_; }
  int world() const override { return world_; }
  std::unique_ptr<Communicator> NewStepCommunicator() override {
    MPI_Comm dup;
    MPI_Comm_dup(MPI_COMM_WORLD, &dup);
    return std::make_unique<MpiCommunicator>(dup);
  }
  void Abort(const std::string& message) override {
    std::fprintf(stderr, "winnow: rank %d of %d failed: %s\nwinnow: aborting the whole job\n",
                 rank_, world_, message.c_str());
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 1);
  }

 private:
  int rank_ = 0, world_ = 1;
};

}  // namespace

std::unique_ptr<Distributed> InitDistributed(int* argc, char*** argv) {
  if (!LaunchedByMpi()) return MakeLocalDistributed();
  int provided = 0;
  MPI_Init_thread(argc, argv, MPI_THREAD_MULTIPLE, &provided);
  if (provided < MPI_THREAD_MULTIPLE) {
    std::fprintf(stderr,
                 "winnow: this MPI library does not support MPI_THREAD_MULTIPLE (got level %d); "
                 "global stages on parallel branches may not run concurrently\n",
                 provided);
  }
  // Errors return codes (reported with the step name) instead of aborting silently.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  return std::make_unique<MpiDistributed>();
}

}  // namespace winnow::core
#endif
