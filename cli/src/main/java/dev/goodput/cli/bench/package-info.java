/**
 * {@code goodput bench}: the benchmark harness. {@link dev.goodput.cli.bench.Bench#run} measures
 * this machine with the embedded broker and returns a {@link dev.goodput.cli.bench.BenchReport};
 * {@code docs/BENCHMARKS.md} says what each figure means and how it was measured.
 */
package dev.goodput.cli.bench;
