package synthesis

import "container/heap"

// node is a search-tree node: the layer sequence and its instantiation.
type node struct {
	pairs  []Pair
	params []float64
	cost   float64
}

type frontierItem struct {
	f  float64
	id uint64
	nd *node
}

// frontier is BQSKit's Frontier: a min-heap on the A* value
// f = 10·c + (number of CX layers), ties broken first-in first-out.
type frontier struct {
	items []frontierItem
	count uint64
}

func (f *frontier) Len() int { return len(f.items) }
func (f *frontier) Less(i, j int) bool {
	a, b := f.items[i], f.items[j]
	if a.f != b.f {
		return a.f < b.f
	}
	return a.id < b.id
}
func (f *frontier) Swap(i, j int) { f.items[i], f.items[j] = f.items[j], f.items[i] }
func (f *frontier) Push(x any)    { f.items = append(f.items, x.(frontierItem)) }
func (f *frontier) Pop() any {
	n := len(f.items)
	it := f.items[n-1]
	f.items[n-1] = frontierItem{}
	f.items = f.items[:n-1]
	return it
}

// heuristic is BQSKit's AStarHeuristic: 10·cost + two-qubit gate count.
func heuristic(nd *node) float64 { return 10*nd.cost + float64(len(nd.pairs)) }

func (f *frontier) add(nd *node) {
	heap.Push(f, frontierItem{f: heuristic(nd), id: f.count, nd: nd})
	f.count++
}

func (f *frontier) pop() *node { return heap.Pop(f).(frontierItem).nd }

func (f *frontier) clear() {
	clear(f.items)
	f.items = f.items[:0]
}
