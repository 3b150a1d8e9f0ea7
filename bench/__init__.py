"""Benchmarks: accuracy and throughput of identification, scan and lab scale (see README.md)."""
