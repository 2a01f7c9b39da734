#include <cstdio>
#include <cstdlib>

#include "dist/dist.h"

namespace winnow::core {

namespace {
class LocalDistributed final : public Distributed {
 public:
  int rank() const override { return 0; }
  int world() const override { return 1; }
  std::unique_ptr<Communicator> NewStepCommunicator() override {
    return std::make_unique<LocalCommunicator>();
  }
  void Abort(const std::string&) override {}
};
}  // namespace

bool LaunchedByMpi() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS"}) {
    if (std::getenv(var)) return true;
  }
  return false;
}

std::unique_ptr<Distributed> MakeLocalDistributed() {
  return std::make_unique<LocalDistributed>();
}

#ifndef WINNOW_WITH_MPI
// Without MPI, N copies started by mpirun/srun would each read all the input
// and write the same files: refuse instead.
std::unique_ptr<Distributed> InitDistributed(int*, char***) {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"}) {
    const char* v = std::getenv(var);
    if (v && std::atoi(v) > 1) {
      std::fprintf(stderr,
                   "winnow: started as one of %s processes (%s), but this build has no MPI "
                   "support; install libopenmpi-dev, rebuild, or run a single process\n",
                   v, var);
      std::exit(2);
    }
  }
  return MakeLocalDistributed();
}
#endif

}  // namespace winnow::core
