"""Services: the only code that knows both stored records and the engine's dataclasses."""
