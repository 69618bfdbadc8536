"""Commerce: pure rules: no I/O, no AWS, no HTTP."""
