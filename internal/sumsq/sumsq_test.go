package sumsq

import "testing"

func TestEncDec(t *testing.T) {
	for _, v := range []int64{0, 1, -7, 1 << 40} {
		if got, err := Dec(Enc(v)); err != nil || got != v {
			t.Errorf("Dec(Enc(%d)) = %d, %v", v, got, err)
		}
	}
	if _, err := Dec([]byte{1, 2}); err == nil {
		t.Error("2 bytes: no error")
	}
	if Want(100) != 328350 || Want(1) != 0 {
		t.Errorf("Want(100) = %d, Want(1) = %d", Want(100), Want(1))
	}
}
