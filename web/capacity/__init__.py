"""Capacity: the commissioner's sufficiency review, its figures, trends and scenarios."""
