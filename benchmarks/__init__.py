"""Benchmarks run by `make bench` (`python -m benchmarks`): each module's ``main()`` prints and
returns its figures."""
