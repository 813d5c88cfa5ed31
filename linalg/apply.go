package linalg

import (
	"fmt"
	"slices"

	"github.com/bqskit-mpi/bqskit-mpi/linalg/internal/kernel"
)

// ApplyLeft sets m ← (G on qubits ⊗ I)·m in place, where m is a 2^n x C
// matrix (an n-qubit unitary when C = 2^n, a state vector when C = 1, or any
// stack of column vectors) and G is a 2^k x 2^k gate acting on the k
// distinct qubits listed in qubits.
//
// Qubit order is big-endian, as in BQSKit: qubit 0 is the most significant
// bit of a row index, and qubits[0] is the most significant bit of the gate's
// own index.
//
// One- and two-qubit gates use specialised loops and need no scratch space.
// Larger gates need work: len(work) ≥ 2^k is enough; len(work) ≥ 2·2^k
// enables a blocked path that is several times faster (it works in column
// chunks of len(work)/2^(k+1), so 2^k·C, the size the cross-package
// contract names, is plenty). Pass nil (or anything shorter than 2^k) to
// let ApplyLeft allocate. With len(work) ≥ 2^k it allocates nothing for
// k ≤ 6.
// Malformed arguments (shapes, repeated or out-of-range qubits) panic.
func ApplyLeft(m Matrix, gate Matrix, qubits []int, n int, work []complex128) {
	checkApply(m, gate, qubits, n, true)
	if len(m.Data) == 0 {
		return
	}
	c := m.Cols
	switch len(qubits) {
	case 0:
		Scale(m, gate.Data[0])
	case 1:
		g := gate.Data
		apply1(m.Data, (1<<(n-1-qubits[0]))*c, g[0], g[1], g[2], g[3])
	case 2:
		var g [16]complex128
		copy(g[:], gate.Data)
		apply2(m.Data, (1<<(n-1-qubits[0]))*c, (1<<(n-1-qubits[1]))*c, &g)
	default:
		applyGeneral(m, gate, qubits, n, work, true)
	}
}

// ApplyRight sets m ← m·(G on qubits ⊗ I) in place, where m is an R x 2^n
// matrix and G a 2^k x 2^k gate on the k distinct qubits listed in qubits
// (big-endian, as ApplyLeft). Gates on three or more qubits need work as
// for ApplyLeft (≥ 2^k; ≥ 2·2^k for the blocked path, which works in row
// chunks of len(work)/2^(k+1)), or nil to allocate; like ApplyLeft it
// allocates nothing for k ≤ 6 when len(work) ≥ 2^k.
func ApplyRight(m Matrix, gate Matrix, qubits []int, n int, work []complex128) {
	checkApply(m, gate, qubits, n, false)
	if len(m.Data) == 0 {
		return
	}
	// Because m.Cols = 2^n, column bit p of element (r, c) is bit p of its
	// flat index r·2^n + c, so the same flat loops as ApplyLeft apply with
	// unit strides and the gate transposed (row vector times G).
	switch len(qubits) {
	case 0:
		Scale(m, gate.Data[0])
	case 1:
		g := gate.Data
		apply1(m.Data, 1<<(n-1-qubits[0]), g[0], g[2], g[1], g[3])
	case 2:
		var g [16]complex128
		for i := 0; i < 4; i++ {
			for j := 0; j < 4; j++ {
				g[i*4+j] = gate.Data[j*4+i]
			}
		}
		apply2(m.Data, 1<<(n-1-qubits[0]), 1<<(n-1-qubits[1]), &g)
	default:
		applyGeneral(m, gate, qubits, n, work, false)
	}
}

func checkApply(m Matrix, gate Matrix, qubits []int, n int, left bool) {
	name := "ApplyRight"
	dim := m.Cols
	if left {
		name, dim = "ApplyLeft", m.Rows
	}
	if n < 0 || n > 62 || dim != 1<<n || len(m.Data) != m.Rows*m.Cols {
		panic(fmt.Sprintf("linalg: %s on a %dx%d matrix for %d qubits", name, m.Rows, m.Cols, n))
	}
	k := len(qubits)
	if k > n || gate.Rows != 1<<k || gate.Cols != 1<<k || len(gate.Data) != gate.Rows*gate.Cols {
		panic(fmt.Sprintf("linalg: %s with a %dx%d gate on qubits %v of %d", name, gate.Rows, gate.Cols, qubits, n))
	}
	for i, q := range qubits {
		if q < 0 || q >= n {
			panic(fmt.Sprintf("linalg: %s qubit %d out of range [0,%d)", name, q, n))
		}
		for _, p := range qubits[:i] {
			if p == q {
				panic(fmt.Sprintf("linalg: %s repeated qubit %d in %v", name, q, qubits))
			}
		}
	}
}

// apply1 applies [[g00 g01] [g10 g11]] to every pair (x[i], x[i+s]) whose
// index i has the stride-s bit clear: the data splits into alternating
// blocks of length s.
func apply1(x []complex128, s int, g00, g01, g10, g11 complex128) {
	if !kernel.Apply1(x, s, g00, g01, g10, g11) { // AVX2/FMA when it applies
		apply1Go(x, s, g00, g01, g10, g11)
	}
}

// apply1Go is the portable form of apply1.
func apply1Go(x []complex128, s int, g00, g01, g10, g11 complex128) {
	if s == 1 {
		// Adjacent pairs: one flat loop instead of len(x)/2 tiny blocks.
		for i := 0; i+1 < len(x); i += 2 {
			av, bv := x[i], x[i+1]
			x[i] = g00*av + g01*bv
			x[i+1] = g10*av + g11*bv
		}
		return
	}
	for hi := 0; hi < len(x); hi += 2 * s {
		a := x[hi : hi+s]
		b := x[hi+s : hi+2*s]
		b = b[:len(a)]
		for i, av := range a {
			bv := b[i]
			a[i] = g00*av + g01*bv
			b[i] = g10*av + g11*bv
		}
	}
}

// apply2 applies the 4x4 matrix g (row-major) to every quadruple
// (x[i], x[i+s1], x[i+s0], x[i+s0+s1]) whose index has both stride bits
// clear; s0 belongs to the gate's most significant qubit.
func apply2(x []complex128, s0, s1 int, g *[16]complex128) {
	if !kernel.Apply2(x, s0, s1, g) { // AVX2/FMA when it applies
		apply2Go(x, s0, s1, g)
	}
}

// apply2Go is the portable form of apply2.
func apply2Go(x []complex128, s0, s1 int, g *[16]complex128) {
	hi, lo := max(s0, s1), min(s0, s1)
	g00, g01, g02, g03 := g[0], g[1], g[2], g[3]
	g10, g11, g12, g13 := g[4], g[5], g[6], g[7]
	g20, g21, g22, g23 := g[8], g[9], g[10], g[11]
	g30, g31, g32, g33 := g[12], g[13], g[14], g[15]
	if lo == 1 {
		// The low qubit is the last one: quadruples are two adjacent pairs.
		for a := 0; a < len(x); a += 2 * hi {
			for b := a; b < a+hi; b += 2 {
				x0 := x[b : b+2 : b+2]
				x2 := x[b+hi : b+hi+2 : b+hi+2]
				if s0 == 1 {
					// Most significant gate qubit is the low one: swap roles.
					v0, v2, v1, v3 := x0[0], x0[1], x2[0], x2[1]
					x0[0] = g00*v0 + g01*v1 + g02*v2 + g03*v3
					x2[0] = g10*v0 + g11*v1 + g12*v2 + g13*v3
					x0[1] = g20*v0 + g21*v1 + g22*v2 + g23*v3
					x2[1] = g30*v0 + g31*v1 + g32*v2 + g33*v3
				} else {
					v0, v1, v2, v3 := x0[0], x0[1], x2[0], x2[1]
					x0[0] = g00*v0 + g01*v1 + g02*v2 + g03*v3
					x0[1] = g10*v0 + g11*v1 + g12*v2 + g13*v3
					x2[0] = g20*v0 + g21*v1 + g22*v2 + g23*v3
					x2[1] = g30*v0 + g31*v1 + g32*v2 + g33*v3
				}
			}
		}
		return
	}
	for a := 0; a < len(x); a += 2 * hi {
		for b := a; b < a+hi; b += 2 * lo {
			x0 := x[b : b+lo]
			x1 := x[b+s1 : b+s1+lo]
			x2 := x[b+s0 : b+s0+lo]
			x3 := x[b+s0+s1 : b+s0+s1+lo]
			x1, x2, x3 = x1[:len(x0)], x2[:len(x0)], x3[:len(x0)]
			for i, v0 := range x0 {
				v1, v2, v3 := x1[i], x2[i], x3[i]
				x0[i] = g00*v0 + g01*v1 + g02*v2 + g03*v3
				x1[i] = g10*v0 + g11*v1 + g12*v2 + g13*v3
				x2[i] = g20*v0 + g21*v1 + g22*v2 + g23*v3
				x3[i] = g30*v0 + g31*v1 + g32*v2 + g33*v3
			}
		}
	}
}

// applyGeneral handles gates on three or more qubits. With len(work) ≥
// 2·2^k it works blockwise: gather the 2^k rows (ApplyLeft) or columns
// (ApplyRight) of a group, chunk by chunk, into work, multiply by the gate
// with the small-matrix kernels, and scatter the result back. With less
// work (at least 2^k) it falls back to one 2^k-vector at a time.
func applyGeneral(m Matrix, gate Matrix, qubits []int, n int, work []complex128, left bool) {
	k := len(qubits)
	d := 1 << k
	if len(work) < d {
		// Allocating anyway: make it big enough for the blocked path.
		work = make([]complex128, 2*d*min(64, max(m.Rows, m.Cols)))
	}
	// Index offsets of the 2^k elements of one group (in the row index for
	// ApplyLeft, the column index for ApplyRight), gate index j big-endian.
	var offBuf [64]int
	var offs []int
	if d <= len(offBuf) {
		offs = offBuf[:d]
	} else {
		offs = make([]int, d)
	}
	for j := 0; j < d; j++ {
		o := 0
		for t, q := range qubits {
			if j>>(k-1-t)&1 == 1 {
				o += 1 << (n - 1 - q)
			}
		}
		offs[j] = o
	}
	var posBuf [64]int
	pos := posBuf[:k]
	for t, q := range qubits {
		pos[t] = n - 1 - q
	}
	slices.Sort(pos)
	groups := 1 << (n - k)
	g := gate.Data
	x := m.Data
	if len(work) >= 2*d {
		if left {
			applyLeftBlocked(x, m.Cols, g, d, offs, pos, groups, work)
		} else {
			applyRightBlocked(x, m.Rows, m.Cols, g, d, offs, pos, groups, work)
		}
		return
	}
	work = work[:d]
	if left {
		c := m.Cols
		for b := 0; b < groups; b++ {
			base := insertZeroBits(b, pos) * c
			for col := 0; col < c; col++ {
				e := base + col
				for j, o := range offs {
					work[j] = x[e+o*c]
				}
				for i, o := range offs {
					row := g[i*d : i*d+d]
					var s complex128
					for j, w := range work {
						s += row[j] * w
					}
					x[e+o*c] = s
				}
			}
		}
		return
	}
	nc := m.Cols
	for r := 0; r < m.Rows; r++ {
		rowBase := r * nc
		for b := 0; b < groups; b++ {
			e := rowBase + insertZeroBits(b, pos)
			for j, o := range offs {
				work[j] = x[e+o]
			}
			// (v·G)_i = Σ_j v_j G_ji
			for i, o := range offs {
				var s complex128
				for j, w := range work {
					s += w * g[j*d+i]
				}
				x[e+o] = s
			}
		}
	}
}

// applyLeftBlocked: for each group of d rows (row offsets offs from the
// group's base row), in column chunks of width w: in (d x w) ← those rows,
// out = G·in, rows ← out.
func applyLeftBlocked(x []complex128, c int, g []complex128, d int, offs, pos []int, groups int, work []complex128) {
	chunk := min(c, len(work)/(2*d))
	in, out := work[:d*chunk], work[d*chunk:2*d*chunk]
	for b := 0; b < groups; b++ {
		base := insertZeroBits(b, pos)
		for c0 := 0; c0 < c; c0 += chunk {
			w := min(chunk, c-c0)
			for j, o := range offs {
				s := (base+o)*c + c0
				copy(in[j*w:j*w+w], x[s:s+w])
			}
			mulInto(out[:d*w], g, in[:d*w], d, d, w)
			for i, o := range offs {
				s := (base+o)*c + c0
				copy(x[s:s+w], out[i*w:i*w+w])
			}
		}
	}
}

// applyRightBlocked: in row chunks of height h, and within a chunk for each
// group of d columns (column offsets offs from the group's base column):
// in (h x d) ← those columns, out = in·G, columns ← out. Chunks are kept
// to about 256 KiB of m so that all groups of a chunk hit the cache.
func applyRightBlocked(x []complex128, rows, nc int, g []complex128, d int, offs, pos []int, groups int, work []complex128) {
	chunk := min(rows, len(work)/(2*d), max(1, (256<<10)/16/nc))
	in, out := work[:chunk*d], work[chunk*d:2*chunk*d]
	for r0 := 0; r0 < rows; r0 += chunk {
		h := min(chunk, rows-r0)
		for b := 0; b < groups; b++ {
			base := insertZeroBits(b, pos)
			for t := 0; t < h; t++ {
				row := x[(r0+t)*nc+base:]
				dst := in[t*d : t*d+d]
				for j, o := range offs {
					dst[j] = row[o]
				}
			}
			mulInto(out[:h*d], in[:h*d], g, h, d, d)
			for t := 0; t < h; t++ {
				row := x[(r0+t)*nc+base:]
				src := out[t*d : t*d+d]
				for j, o := range offs {
					row[o] = src[j]
				}
			}
		}
	}
}

// insertZeroBits spreads the bits of b so that a zero bit sits at each of
// the ascending bit positions in pos.
func insertZeroBits(b int, pos []int) int {
	for _, p := range pos {
		lowMask := (1 << p) - 1
		b = (b & lowMask) | (b&^lowMask)<<1
	}
	return b
}
