"""ragbus services: each sub-package is one process; services never import each other."""
