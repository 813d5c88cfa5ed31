// Package unitaryio reads target unitaries from NumPy .npy files.
//
// A target file holds one two-dimensional array of shape 2^n x 2^n, in C
// (row-major) or Fortran (column-major) order, little- or big-endian, of
// complex128 ('<c16'), complex64 ('<c8', converted; unitary to within
// Tolerance32, then made unitary to double precision) or float64 ('<f8',
// a real orthogonal matrix), unitary to within Tolerance. ReadFile and
// Read return it as a row-major complex128 linalg.Matrix; n is log2 of its
// size. Format versions 1.0, 2.0 and 3.0 are read, and any header
// dictionary numpy reads: keys in any order, with or without trailing
// commas, either quote, any spacing (parseHeader); npyio decodes the data
// behind that header rewritten in the canonical layout its own parser
// needs. testdata/ holds files written by numpy (gen_npy.py, MANIFEST).
//
// The checks run cheapest first: the header (dtype, shape, width against
// MaxQubits, or against the caller's smaller bound given to ReadMax) is
// checked before the data is read, and unitarity (O(4^n · 2^n) work, seconds
// at 10 qubits) last. A caller that accepts fewer qubits than MaxQubits
// must use ReadMax, so that a too-wide target is refused at once.
//
// Every failure wraps exactly one of the sentinel errors ErrNotNPY,
// ErrDType, ErrShape, ErrNotUnitary or ErrTooLarge (test with errors.Is),
// and the message names the file and what was found. The decoding is done
// by github.com/sbinet/npyio; a malformed header that would make that
// library panic is reported as ErrNotNPY instead.
//
// Callers must treat the returned matrix as their own (it is freshly
// allocated) and need nothing else: there is no state in the package.
package unitaryio
