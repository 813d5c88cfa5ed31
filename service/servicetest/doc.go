// Package servicetest holds the test helpers for code that serves clients:
// an embedded runtime behind a loopback gateway (StartEmbedded), waiting
// for a server command's address file (WaitAddressFile), and a buffer that
// goroutines may share as a command's standard error (SyncBuffer).
//
// Tests only: every helper fails the test it is given and registers its
// clean-up with t.Cleanup.
package servicetest
