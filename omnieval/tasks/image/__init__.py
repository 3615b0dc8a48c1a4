"""Image questions tasks."""
