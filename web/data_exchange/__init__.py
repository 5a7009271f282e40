"""Data in and out: imports, exports, the standards they speak, and police.uk suggestions."""
