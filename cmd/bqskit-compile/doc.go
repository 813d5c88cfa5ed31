// Command bqskit-compile compiles an OpenQASM 2.0 circuit (or synthesizes a
// unitary from a NumPy .npy file) to the gate set {CX, U3} on an embedded
// runtime in this process, and prints circuit summaries with --info.
package main
