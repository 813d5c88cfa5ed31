// Command bqskit-compile compiles an OpenQASM 2.0 circuit (or synthesizes a
// unitary from a NumPy .npy file) to the gate set {CX, U3}, on an embedded
// runtime in this process or on a bqskit-mpi server (--ip, else
// $BQSKIT_MPI_ADDRESS unless --local), and prints circuit summaries with
// --info. On a terminal it shows the compile's progress by stage
// (progress.go); Ctrl-C cancels the compile and exits 130.
package main
