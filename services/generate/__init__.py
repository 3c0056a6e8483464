"""Generate service: drafts an answer with citations from the retrieved context."""
