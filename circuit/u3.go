package circuit

import (
	"fmt"
	"math"
	"math/cmplx"

	"github.com/bqskit-mpi/bqskit-mpi/linalg"
)

// U3Params returns (θ, φ, λ) with U3(θ, φ, λ) equal to the 2x2 unitary u up
// to a global phase (the closed form of the compiler reference, as BQSKit's
// U3Gate.calc_params): S = det(u)^{-1/2}·u, θ = 2·atan2(|S10|, |S00|),
// φ = arg S11 + arg S10, λ = arg S11 − arg S10. It is what single-qubit
// fusion uses to turn a product of one-qubit gates into one U3.
func U3Params(u linalg.Matrix) (theta, phi, lambda float64) {
	if u.Rows != 2 || u.Cols != 2 || len(u.Data) != 4 {
		panic(fmt.Sprintf("circuit: U3Params of a %dx%d matrix", u.Rows, u.Cols))
	}
	det := u.Data[0]*u.Data[3] - u.Data[1]*u.Data[2]
	f := 1 / cmplx.Sqrt(det)
	s00, s10, s11 := f*u.Data[0], f*u.Data[2], f*u.Data[3]
	theta = 2 * math.Atan2(cmplx.Abs(s10), cmplx.Abs(s00))
	a11, a10 := cmplx.Phase(s11), cmplx.Phase(s10)
	return theta, a11 + a10, a11 - a10
}
