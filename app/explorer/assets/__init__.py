"""Static assets of the explorer (a package so they ship with the wheel)."""
