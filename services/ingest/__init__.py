"""Ingest service: splits submitted documents into chunks, embeds them and indexes them per tenant."""
