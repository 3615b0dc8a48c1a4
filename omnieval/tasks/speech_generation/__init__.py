"""Speech generation tasks."""
