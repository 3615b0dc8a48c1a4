"""Video questions tasks."""
