"""Command-line interface (the last stage: it may import every other stage)."""
