// Package transporttest is the conformance suite every transport.Transport
// implementation runs (in-memory, MPI, TCP).
//
// Use it from a test of the implementing package:
//
//	func TestConformance(t *testing.T) {
//		transporttest.Run(t, func(t *testing.T, n int) []transport.Transport {
//			... build n connected endpoints, register t.Cleanup to close them ...
//		}, transporttest.Config{})
//	}
//
// The factory is called once per subtest with the number of endpoints the
// subtest needs (2 unless stated); every endpoint must be able to reach every
// other one. Endpoints may be closed by the suite; Close must be idempotent.
package transporttest
