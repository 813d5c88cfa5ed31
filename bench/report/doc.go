// Package report turns the raw measurements of the side-by-side benchmark
// (bench/sidebyside) into its outputs: the summary JSON
// (bench/results/latest.json), the Markdown tables (latest.md) and the PNG
// plots.
//
// Measurements are Records, one per system, item and repetition, appended
// to a JSON-lines file as they are taken (so an interrupted run can be
// resumed and a failed item is only a record with an error). Build reduces
// the records of a run to one Row per item and metric: each system's
// median (gonum/stat), the ratio in our favour (BQSKit's time over ours,
// or BQSKit's count over ours: above 1 means we are faster or smaller) and
// the samples. Callers fill Meta (versions, machine, load) themselves.
package report
