"""Guardrail service: screens questions on the way in and checks drafts on the way out."""
