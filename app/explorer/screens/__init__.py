"""One module per explorer page; each exposes `render() -> None`."""
