"""Pages: one blueprint per job. They call services only, never repositories or models."""
