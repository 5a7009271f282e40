"""After placement: relocation reviews when intelligence changes, and each person's tasks."""
