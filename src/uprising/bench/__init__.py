"""Benchmarks: throughput of our engine and of the peer implementations we compare against."""
