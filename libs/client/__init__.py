"""What product services use: `RagClient` to ask and await answers, and the `ragbus` CLI."""
