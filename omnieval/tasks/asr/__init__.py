"""Speech recognition tasks."""
