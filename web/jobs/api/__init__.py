"""JSON API handlers. They call services only, never repositories or models."""
