package pinning

import (
	"errors"
	"os"
	"os/exec"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Spec
		err  string
	}{
		{"", Spec{}, ""},
		{"none", Spec{}, ""},
		{"auto", Spec{Auto: true}, ""},
		{"3", Spec{CPUs: []int{3}}, ""},
		{"0-3", Spec{CPUs: []int{0, 1, 2, 3}}, ""},
		{"4,0-1,1", Spec{CPUs: []int{4, 0, 1}}, ""},
		{" 2 , 5-6 ", Spec{CPUs: []int{2, 5, 6}}, ""},
		{"a", Spec{}, `item 1 "a"`},
		{"0,,2", Spec{}, `item 2 ""`},
		{"3-1", Spec{}, "range end below start"},
		{"1-", Spec{}, "missing cpu number"},
		{"-1", Spec{}, "missing cpu number"},
		{"99999", Spec{}, "not below 1024"},
	} {
		got, err := Parse(tc.in)
		if tc.err != "" {
			if !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Parse(%q) error %v, want ErrSyntax containing %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

func TestFormatList(t *testing.T) {
	for in, want := range map[string]string{"0-3": "0-3", "0,2,3,4,9": "0,2-4,9", "7": "7"} {
		l, err := ParseList(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := FormatList(l); got != want {
			t.Errorf("FormatList(%v) = %q, want %q", l, got, want)
		}
	}
}

func TestSelect(t *testing.T) {
	allowed := []int{0, 1, 2, 3, 4, 5, 6, 7}
	list := func(s string) Spec { sp, _ := Parse(s); return sp }
	for _, tc := range []struct {
		spec          Spec
		local, size   int
		allowed, want []int
		wantErr       error
	}{
		{Spec{}, 0, 1, allowed, nil, nil},
		{list("auto"), 0, 2, allowed, []int{0}, nil},
		{list("auto"), 1, 2, allowed, []int{1}, nil},
		{list("auto"), 3, 4, []int{2, 5}, []int{5}, nil}, // wraps
		{list("0-7"), 0, 2, allowed, []int{0, 1, 2, 3}, nil},
		{list("0-7"), 1, 2, allowed, []int{4, 5, 6, 7}, nil},
		{list("0-6"), 0, 3, allowed, []int{0, 1, 2}, nil},
		{list("0-6"), 1, 3, allowed, []int{3, 4}, nil},
		{list("0-6"), 2, 3, allowed, []int{5, 6}, nil},
		{list("6,2"), 1, 4, allowed, []int{2}, nil},
		{list("6,2"), 2, 4, allowed, []int{6}, nil},
		{list("9"), 0, 1, allowed, nil, ErrUnavailable},
		{list("auto"), 2, 2, allowed, nil, ErrNoLocalRank},
		{list("auto"), 0, 1, nil, nil, ErrUnavailable},
	} {
		got, err := Select(tc.spec, tc.local, tc.size, tc.allowed)
		if tc.wantErr != nil {
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("Select(%v, %d/%d) error %v, want %v", tc.spec, tc.local, tc.size, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Select(%v, %d/%d, %v) = %v, %v; want %v", tc.spec, tc.local, tc.size, tc.allowed, got, err, tc.want)
		}
	}
}

func TestLocalRankFromEnv(t *testing.T) {
	t.Setenv("OMPI_COMM_WORLD_LOCAL_RANK", "")
	t.Setenv("SLURM_LOCALID", "3")
	if r, ok := LocalRankFromEnv(); !ok || r != 3 {
		t.Errorf("SLURM_LOCALID=3: got %d, %v", r, ok)
	}
	t.Setenv("OMPI_COMM_WORLD_LOCAL_RANK", "1")
	if r, ok := LocalRankFromEnv(); !ok || r != 1 {
		t.Errorf("OMPI_COMM_WORLD_LOCAL_RANK=1: got %d, %v", r, ok)
	}
	t.Setenv("OMPI_COMM_WORLD_LOCAL_RANK", "")
	t.Setenv("SLURM_LOCALID", "")
	if _, ok := LocalRankFromEnv(); ok {
		t.Error("no variables: got ok")
	}
}

// TestPinChild pins a child copy of the test binary (so this process keeps
// its mask) and checks every thread of it from /proc.
func TestPinChild(t *testing.T) {
	if os.Getenv("PINNING_CHILD") != "" {
		return
	}
	allowed, err := Allowed()
	if err != nil {
		t.Fatal(err)
	}
	target := allowed[len(allowed)-1]
	cmd := exec.Command(os.Args[0], "-test.run=^TestPinChildHelper$")
	cmd.Env = append(os.Environ(), "PINNING_CHILD="+strconv.Itoa(target))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "PINNED ok") {
		t.Fatalf("child did not confirm pinning:\n%s", out)
	}
}

func TestPinChildHelper(t *testing.T) {
	v := os.Getenv("PINNING_CHILD")
	if v == "" {
		t.Skip("helper for TestPinChild")
	}
	cpu, _ := strconv.Atoi(v)
	if err := Pin([]int{cpu}, 0); err != nil {
		t.Fatal(err)
	}
	if runtime.GOMAXPROCS(0) != 1 {
		t.Fatalf("GOMAXPROCS %d, want 1", runtime.GOMAXPROCS(0))
	}
	ents, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile("/proc/self/task/" + e.Name() + "/status")
		if err != nil {
			continue
		}
		if !strings.Contains(string(b), "Cpus_allowed_list:\t"+v+"\n") {
			t.Fatalf("thread %s not pinned to %s", e.Name(), v)
		}
	}
	got, err := AllowedOf(os.Getpid())
	if err != nil || !reflect.DeepEqual(got, []int{cpu}) {
		t.Fatalf("AllowedOf = %v, %v", got, err)
	}
	os.Stdout.WriteString("PINNED ok\n")
}

func TestPinErrors(t *testing.T) {
	if err := Pin(nil, 0); !errors.Is(err, ErrPin) {
		t.Errorf("Pin(nil, 0) = %v", err)
	}
	if err := Pin([]int{-1}, 0); !errors.Is(err, ErrPin) {
		t.Errorf("Pin(-1) = %v", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"auto", "0-3,8", "1,,2", "5-2", "x", "1023", " 1 - 2 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sp, err := Parse(s)
		if err != nil {
			return
		}
		if sp.Auto || len(sp.CPUs) == 0 {
			return
		}
		again, err := Parse(FormatList(sp.CPUs))
		if err != nil {
			t.Fatalf("formatted list %q does not parse: %v", FormatList(sp.CPUs), err)
		}
		seen := map[int]bool{}
		for _, c := range again.CPUs {
			if c < 0 || c >= maxCPU || seen[c] {
				t.Fatalf("bad cpu %d in %v", c, again.CPUs)
			}
			seen[c] = true
		}
		if len(again.CPUs) != len(sp.CPUs) {
			t.Fatalf("round trip changed size: %v -> %v", sp.CPUs, again.CPUs)
		}
	})
}

// TestEnsureBLASThreads runs a child that calls EnsureBLASThreads: unset,
// the child re-executes itself with OPENBLAS_NUM_THREADS=1; set, it keeps
// the user's value.
func TestEnsureBLASThreads(t *testing.T) {
	for _, tc := range []struct{ env, want string }{{"", "BLAS=1"}, {"OPENBLAS_NUM_THREADS=4", "BLAS=4"}} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestEnsureBLASThreadsHelper$")
		var env []string
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "OPENBLAS_NUM_THREADS=") {
				env = append(env, kv)
			}
		}
		cmd.Env = append(env, "PINNING_BLAS_CHILD=1")
		if tc.env != "" {
			cmd.Env = append(cmd.Env, tc.env)
		}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		if !strings.Contains(string(out), tc.want+"\n") {
			t.Errorf("env %q: child printed %q, want %s", tc.env, out, tc.want)
		}
	}
}

func TestEnsureBLASThreadsHelper(t *testing.T) {
	if os.Getenv("PINNING_BLAS_CHILD") == "" {
		t.Skip("helper for TestEnsureBLASThreads")
	}
	if err := EnsureBLASThreads(); err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("BLAS=" + os.Getenv("OPENBLAS_NUM_THREADS") + "\n")
}
