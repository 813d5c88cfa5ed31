module github.com/bqskit-mpi/bqskit-mpi

go 1.26.0

require (
	github.com/sbinet/npyio v0.6.0
	github.com/sbromberger/gompi v0.2.0
	github.com/spf13/pflag v1.1.0
	go.uber.org/goleak v1.3.0
	go.uber.org/zap v1.28.0
	golang.org/x/sys v0.49.0
	gonum.org/v1/gonum v0.17.0
	gonum.org/v1/netlib v0.0.0-20190313105609-8cb42192e0e0
)

require go.uber.org/multierr v1.10.0 // indirect
