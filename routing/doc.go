// Package routing places a circuit's logical qubits on a machine's physical
// qubits and routes it so that every two-qubit gate acts on a coupled pair,
// in the style of SABRE (Li, Ding, Xie, ASPLOS 2019) as BQSKit's
// GeneralizedSabreLayoutPass and GeneralizedSabreRoutingPass use it.
//
// # Algorithm
//
// Routing keeps a front layer of ops whose predecessors are done. Every
// executable front op is emitted (single-qubit ops and directives always;
// two-qubit gates when their physical qubits are coupled). When none is,
// every swap on a coupling edge touching a front gate's qubit is scored:
// the mean distance of the front gates' qubit pairs under the swapped
// layout, plus Lookahead times the mean distance of the extended set (the
// next ExtendedSize two-qubit gates), times a decay factor that penalises
// qubits swapped recently (1 + DecayDelta per swap, reset every
// DecayReset swaps and whenever a gate is emitted). The best swap is
// applied (ties broken by the seeded generator). If no gate is emitted for
// many swaps the first front gate is brought together along a shortest
// path, so routing always ends.
//
// Placement starts from Trials layouts (the identity and seeded random
// permutations) and improves each by LayoutPasses forward-backward
// passes: route the circuit, then route its reverse from the final
// layout, and take that final layout as the new initial one. The trial
// whose forward routing inserts the fewest swaps wins.
//
// # Use
//
// Route(c, model, opts) takes a circuit whose gates act on at most two
// qubits (run compiler.Retarget first for wider gates) and at most
// model.NumQubits() qubits. The result has the model's width. With full
// permutations Initial and Final (logical qubit l, padded with idle
// ancillas to the model's width, sits on physical Initial[l] at the start
// and Final[l] at the end), the routed unitary is
// P(Final)·U·P(Initial)⁻¹, where P(π) moves logical l to wire π(l)
// (PermutationMatrix). The same seed gives the same result.
package routing
