// Package testcircuits holds small OpenQASM 2.0 circuits shared by the
// tests of several packages (the compiler's, the runtime service's and
// bqskit-compile's), so that each is written once. Nothing outside tests
// imports it.
package testcircuits
