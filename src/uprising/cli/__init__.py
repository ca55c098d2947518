"""The `uprising` command line; each sub-command lives in a module of its own."""
