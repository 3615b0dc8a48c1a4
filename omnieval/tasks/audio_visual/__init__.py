"""Audio-visual questions tasks."""
