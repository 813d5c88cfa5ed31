package protocol

// Model is a submit request's machine model: a built-in coupling spec
// ("linear:N", "ring:N", "grid:RxC", "heavy-hex:D", "all-to-all[:N]") or
// an explicit graph (qubits and edges), and a gate-set spec ("cx,u3" by
// default; "ibm", "ibm-ecr", "cz,u3", "iswap", "sqrt_iswap", "rzz", or a
// comma-separated list of gate names). The server checks it (error field
// "model...."); a file is read by the client, never by the server.
type Model struct {
	Coupling string   `json:"coupling,omitempty"`
	Qubits   int      `json:"qubits,omitempty"`
	Edges    [][2]int `json:"edges,omitempty"`
	Gates    string   `json:"gates,omitempty"`
}
