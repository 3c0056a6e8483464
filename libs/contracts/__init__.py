"""Message contracts shared by every ragbus service: pydantic models and the topic catalogue."""
