// Command bqskit-mpi is the runtime of one MPI job: every rank runs it
// (`mpirun -n N bqskit-mpi`, `srun -n N --mpi=pmix bqskit-mpi`). Rank 0 is
// the server and opens the client gateway; the other ranks are the managers
// and workers of the tree that mpiruntime plans from the ranks' host names.
//
// Shutdown: SIGINT or SIGTERM to rank 0 stops the gateway (clients are told
// the server is shutting down and their tasks are cancelled), sends a
// shutdown down the tree, and every rank finalises MPI and exits 0. SIGINT
// or SIGTERM to another rank gives the tree 2 s to deliver that shutdown
// (the launcher usually signals every rank); otherwise, and whenever a
// rank fails, it logs one line saying why and aborts the whole job
// (MPI_Abort): MPI jobs are not fault tolerant.
package main
