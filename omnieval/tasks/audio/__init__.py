"""Audio reasoning, music and sound tasks."""
