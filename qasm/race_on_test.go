//go:build race

package qasm

// raceEnabled: the tests run under the race detector (timing and memory
// bounds are scaled or left unasserted).
const raceEnabled = true
