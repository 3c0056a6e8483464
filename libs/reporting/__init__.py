"""`ragbus report`: a static HTML dashboard of quality, latency and cost, read from PostgreSQL."""
