"""Pages (GOV.UK Frontend). They call services only, never repositories or models."""
