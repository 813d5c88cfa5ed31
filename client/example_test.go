package client_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/bqskit-mpi/bqskit-mpi/client"
	"github.com/bqskit-mpi/bqskit-mpi/protocol"
)

// Compile a QASM file on a server, printing its progress.
func Example() {
	ctx := context.Background()
	c, err := client.Dial(ctx, "node01:7472", // token from $BQSKIT_MPI_TOKEN or ~/.config/bqskit-mpi/token
		client.WithProgressHandler(func(ev protocol.ProgressEvent) {
			fmt.Fprintf(os.Stderr, "\r%d/%d blocks", ev.Done, ev.Total)
		}))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	src, err := os.ReadFile("qft5.qasm")
	if err != nil {
		log.Fatal(err)
	}
	seed := uint64(7)
	res, err := c.Compile(ctx, &protocol.SubmitRequest{QASM: string(src), Filename: "qft5.qasm", OptimizationLevel: 2, Seed: &seed})
	if err != nil {
		log.Fatal(err) // errors.Is(err, protocol.ErrInvalidCircuit) etc. tell the cases apart
	}
	fmt.Print(res.QASM)
}
