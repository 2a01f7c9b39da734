// core/dist/dist.h — running as one rank of an MPI job.
//
// `winnow run` under mpirun/srun: every rank runs the same pipeline on its share
// of the input. InitDistributed() starts MPI when the process was launched by
// an MPI launcher (and winnow was built with MPI); otherwise it returns a
// single-process environment. Each step gets its own communicator (a duplicate
// of the world communicator) so that global stages on different threads never
// mix their collectives. A rank that fails calls Abort(), which ends the whole
// job with the message instead of leaving the other ranks waiting.
#pragma once

#include <memory>
#include <string>

#include "winnow/comm.h"

namespace winnow::core {

class Distributed {
 public:
  virtual ~Distributed() = default;
  virtual int rank() const = 0;
  virtual int world() const = 0;
  // A fresh communicator for one step (collective: all ranks call it in the same order).
  virtual std::unique_ptr<Communicator> NewStepCommunicator() = 0;
  // Ends every rank of the job (never returns when world > 1).
  virtual void Abort(const std::string& message) = 0;
};

// Starts MPI if this process is an MPI rank; single-process otherwise.
std::unique_ptr<Distributed> InitDistributed(int* argc, char*** argv);

// True when the environment says an MPI launcher started this process.
bool LaunchedByMpi();

}  // namespace winnow::core
