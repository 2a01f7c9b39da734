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

std::unique_ptr<Distributed> MakeLocalDistributed() { return std::make_unique<LocalDistributed>(); }

#ifndef WINNOW_WITH_MPI
std::unique_ptr<Distributed> InitDistributed(int*, char***) { return MakeLocalDistributed(); }
#endif

}  // namespace winnow::core
