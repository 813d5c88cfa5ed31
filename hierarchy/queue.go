package hierarchy

// taskQueue is a worker's queue of tasks waiting for a slot: a binary heap
// that yields the task of the oldest root first (root task ids grow with
// submission order at the server), and among one root's tasks the newest
// first. Oldest-root-first serves clients in submission order, so a client
// cannot starve behind later ones (with plain LIFO the first of 32
// concurrent clients finished last); newest-first inside one root keeps a
// compilation's own order depth-first. Tasks cancelled while queued stay
// in the heap (marked gone) until popped.
type taskQueue []*hostedTask

// before reports whether a runs before b.
func before(a, b *hostedTask) bool {
	if a.msg.Root != b.msg.Root {
		return a.msg.Root < b.msg.Root
	}
	return a.qseq > b.qseq
}

func (q *taskQueue) push(t *hostedTask) {
	*q = append(*q, t)
	h := *q
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !before(h[i], h[p]) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

// pop removes and returns the first task; the queue must not be empty.
func (q *taskQueue) pop() *hostedTask {
	h := *q
	n := len(h) - 1
	top := h[0]
	h[0] = h[n]
	h[n] = nil
	h = h[:n]
	i := 0
	for {
		l, m := 2*i+1, i
		if l < n && before(h[l], h[m]) {
			m = l
		}
		if r := l + 1; r < n && before(h[r], h[m]) {
			m = r
		}
		if m == i {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	*q = h
	return top
}
