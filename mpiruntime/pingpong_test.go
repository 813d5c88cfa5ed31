package mpiruntime

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// scenarioPingPong measures the transport for the report (run by hand, not
// by go test):
//
//	BQSKIT_MPIRUNTIME_SCENARIO=pingpong TEST_IDLE=sleep mpirun -n 2 --bind-to none ./mpiruntime.test
//
// Rank 0 sends 64-byte messages that rank 1 echoes, one at a time
// (round-trip p50/p99), then one after each of 50 pauses of 20 ms (the
// first message after an idle spell), then a stream of 64-byte messages
// (messages per second) and one 8 MiB message; then rank 1 reports its CPU
// use over 2 idle seconds.
func scenarioPingPong() error {
	r, err := bootFromEnv()
	if err != nil {
		return err
	}
	tr := r.Transport()
	ctx := context.Background()
	msg := make([]byte, 64)
	policy := os.Getenv("TEST_IDLE")
	if tr.Self() != 0 {
		counting, n := false, 0
		for {
			p, err := recvTimeout(tr, 60*time.Second)
			if err != nil {
				return err
			}
			switch d := string(p.Data); {
			case d == "stream":
				counting, n = true, 0
			case d == "count":
				counting = false
				_ = tr.Send(ctx, 0, []byte(strconv.Itoa(n)))
			case len(p.Data) == 8<<20:
				_ = tr.Send(ctx, 0, []byte("big"))
			case d == "stop":
				c0 := cpuTime()
				time.Sleep(2 * time.Second)
				fmt.Printf("IDLECPU idle=%s percent=%.1f\n", policy, 100*float64(cpuTime()-c0)/float64(2*time.Second))
				_ = tr.Send(ctx, 0, []byte("done"))
				return finalize(r)
			case counting:
				n++
			default:
				_ = tr.Send(ctx, 0, p.Data)
			}
		}
	}
	roundTrip := func() (time.Duration, error) {
		t0 := time.Now()
		if err := tr.Send(ctx, 1, msg); err != nil {
			return 0, err
		}
		_, err := recvTimeout(tr, 10*time.Second)
		return time.Since(t0), err
	}
	const rounds = 20000
	lat := make([]time.Duration, 0, rounds)
	for i := 0; i < rounds; i++ {
		d, err := roundTrip()
		if err != nil {
			return err
		}
		lat = append(lat, d)
	}
	slices.Sort(lat)
	var idleLat []time.Duration
	for i := 0; i < 50; i++ {
		time.Sleep(20 * time.Millisecond)
		d, err := roundTrip()
		if err != nil {
			return err
		}
		idleLat = append(idleLat, d)
	}
	slices.Sort(idleLat)
	fmt.Printf("PINGPONG idle=%s p50=%v p99=%v after-idle-p50=%v\n", policy,
		lat[len(lat)/2], lat[len(lat)*99/100], idleLat[len(idleLat)/2])

	const stream = 200000
	_ = tr.Send(ctx, 1, []byte("stream"))
	t0 := time.Now()
	for i := 0; i < stream; i++ {
		if err := tr.Send(ctx, 1, msg); err != nil {
			return err
		}
	}
	_ = tr.Send(ctx, 1, []byte("count"))
	p, err := recvTimeout(tr, 60*time.Second)
	if err != nil {
		return err
	}
	if string(p.Data) != strconv.Itoa(stream) {
		return fmt.Errorf("rank 1 counted %s of %d messages", p.Data, stream)
	}
	rate := float64(stream) / time.Since(t0).Seconds()
	t0 = time.Now()
	_ = tr.Send(ctx, 1, make([]byte, 8<<20))
	if _, err := recvTimeout(tr, 60*time.Second); err != nil {
		return err
	}
	fmt.Printf("STREAM idle=%s msgs_per_s=%.0f send_8MiB_and_ack=%v\n", policy, rate, time.Since(t0))
	_ = tr.Send(ctx, 1, []byte("stop"))
	if _, err := recvTimeout(tr, 30*time.Second); err != nil {
		return err
	}
	return finalize(r)
}

// cpuTime is this process's user+system CPU time.
func cpuTime() time.Duration {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond // USER_HZ = 100
}

// scenarioBig: rank 0 sends rank 1 TEST_BIG_ROUNDS messages of 8 MiB, one
// at a time, each acknowledged, with a 20 ms pause between, and prints the
// time of each (sent and acknowledged).
func scenarioBig() error {
	r, err := bootFromEnv()
	if err != nil {
		return err
	}
	tr := r.Transport()
	ctx := context.Background()
	rounds, _ := strconv.Atoi(os.Getenv("TEST_BIG_ROUNDS"))
	const size = 8 << 20
	if tr.Self() != 0 {
		for i := 0; i < rounds; i++ {
			p, err := recvTimeout(tr, 60*time.Second)
			if err != nil {
				return err
			}
			if len(p.Data) != size || p.Data[size-1] != byte(i) {
				return fmt.Errorf("message %d: %d bytes", i, len(p.Data))
			}
			_ = tr.Send(ctx, 0, []byte("ack"))
		}
		return finalize(r)
	}
	var times []string
	for i := 0; i < rounds; i++ {
		time.Sleep(20 * time.Millisecond)
		b := make([]byte, size)
		b[size-1] = byte(i)
		t0 := time.Now()
		if err := tr.Send(ctx, 1, b); err != nil {
			return err
		}
		if _, err := recvTimeout(tr, 60*time.Second); err != nil {
			return err
		}
		times = append(times, fmt.Sprintf("%.0f", float64(time.Since(t0).Microseconds())/1000))
	}
	fmt.Printf("BIG idle=%s ms=%s\n", os.Getenv("TEST_IDLE"), strings.Join(times, ","))
	return finalize(r)
}

// TestMPIBigTransfer measures (BQSKIT_MEASURE=1) 8 MiB sent and
// acknowledged between two ranks, 10 times in each of TEST_BIG_JOBS jobs
// (default 3).
func TestMPIBigTransfer(t *testing.T) {
	if os.Getenv("BQSKIT_MEASURE") == "" {
		t.Skip("measurement: set BQSKIT_MEASURE=1")
	}
	jobs, err := strconv.Atoi(os.Getenv("TEST_BIG_JOBS"))
	if err != nil {
		jobs = 3
	}
	for j := 0; j < jobs; j++ {
		out := runMPI(t, 2, "big", "TEST_BIG_ROUNDS=10")
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, "BIG ") {
				t.Log(l)
			}
		}
	}
}
