package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/bqskit-mpi/bqskit-mpi/compiler"
)

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progress is the progress display on a terminal: one line with the
// stage's name, its blocks done/total, elapsed time and ETA, redrawn in
// place; a new stage (the block total grew) starts a new bar, so a total
// never grows under the user's eyes. When off it draws nothing. Log lines
// written through log or Writer clear the line first. Its methods are safe
// for concurrent use.
type progress struct {
	mu     sync.Mutex
	w      io.Writer
	on     bool
	bar    *progressbar.ProgressBar
	total  int // the cumulative total that started the current stage
	base   int // the cumulative done count when the current stage began
	stages int
}

func newProgress(w io.Writer, on bool) *progress {
	return &progress{w: w, on: on}
}

// update takes a progress report: cumulative blocks done and total over
// the whole compilation, and the name of the running stage.
func (p *progress) update(stage string, done, total int) {
	if !p.on || total <= 0 {
		return
	}
	if stage == "" {
		stage = compiler.StageBlocks
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar == nil || total != p.total {
		if p.bar != nil {
			p.bar.Clear() //nolint:errcheck // a display error is not the compile's
		}
		p.stages++
		p.total, p.base = total, done
		p.bar = progressbar.NewOptions(total-done,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription(fmt.Sprintf("stage %d: %s", p.stages, stage)),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("blocks"),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetWidth(24),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetRenderBlankState(true),
		)
	}
	p.bar.Set(done - p.base) //nolint:errcheck // as above
}

// clearLocked clears the bar's line; p.mu is held.
func (p *progress) clearLocked() {
	if p.bar != nil {
		p.bar.Clear() //nolint:errcheck // as above
	}
}

// log writes one line of text to the stream, clearing the bar first.
func (p *progress) log(line string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLocked()
	fmt.Fprintln(p.w, line)
}

// Write writes b (whole log lines) to the stream, clearing the bar
// first: the loggers write through it.
func (p *progress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLocked()
	return p.w.Write(b)
}

// finish clears the bar and, when the display is on, prints summary (if
// not empty) as the last line.
func (p *progress) finish(summary string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLocked()
	p.bar = nil
	if p.on && summary != "" {
		fmt.Fprintln(p.w, summary)
	}
}

// stageCount is the number of stages shown so far.
func (p *progress) stageCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stages
}
