"""Suites that break ragbus on purpose and measure what survived (`make faults`, `make fuzz`)."""
