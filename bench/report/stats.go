package report

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/stat"
)

// Median is the median of xs (the mean of the two middle values for an
// even count); NaN for none.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	lo := stat.Quantile(0.5, stat.Empirical, s, nil)
	hi := s[len(s)/2]
	return (lo + hi) / 2
}

// Quantile is the empirical q-quantile of xs; NaN for none.
func Quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return stat.Quantile(q, stat.Empirical, s, nil)
}

// GeoMean is the geometric mean of the positive finite values of xs; NaN
// when there are none.
func GeoMean(xs []float64) float64 {
	var ok []float64
	for _, x := range xs {
		if x > 0 && !math.IsInf(x, 0) && !math.IsNaN(x) {
			ok = append(ok, x)
		}
	}
	if len(ok) == 0 {
		return math.NaN()
	}
	return stat.GeometricMean(ok, nil)
}

// InstantiationValues reduces one batch of single-start instantiations
// (CPU seconds and final cost c = 1 − |Tr(U†V)|/N per call) to the
// compared figures: the median milliseconds per call, the success rate
// (cost below threshold) and the milliseconds per successful
// instantiation (all CPU time over the successes: what one success costs
// with repeated starts; +Inf when none succeeded).
func InstantiationValues(cpuS, cost []float64, threshold float64) map[string]Float {
	var total float64
	ok := 0
	for i, c := range cpuS {
		total += c
		if i < len(cost) && cost[i] < threshold {
			ok++
		}
	}
	ms := make([]float64, len(cpuS))
	for i, c := range cpuS {
		ms[i] = 1e3 * c
	}
	per := math.Inf(1)
	if ok > 0 {
		per = 1e3 * total / float64(ok)
	}
	rate := math.NaN()
	if len(cpuS) > 0 {
		rate = float64(ok) / float64(len(cpuS))
	}
	return map[string]Float{"ms_per_call": Float(Median(ms)), "success_rate": Float(rate), "ms_per_success": Float(per), "calls": Float(len(cpuS))}
}

// LatencyValues reduces round-trip samples (seconds) that crossed to
// another process to p50 and p99 in microseconds and the count; crossed
// and all give the fraction that crossed.
func LatencyValues(crossedS []float64, all int) map[string]Float {
	us := make([]float64, len(crossedS))
	for i, s := range crossedS {
		us[i] = 1e6 * s
	}
	v := map[string]Float{"p50_us": Float(Quantile(us, 0.5)), "p99_us": Float(Quantile(us, 0.99)), "crossed": Float(len(us))}
	if all > 0 {
		v["crossed_fraction"] = Float(float64(len(us)) / float64(all))
	}
	return v
}
