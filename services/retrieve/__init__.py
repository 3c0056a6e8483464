"""Retrieve service: finds the chunks that answer a screened question, inside the asker's tenant."""
