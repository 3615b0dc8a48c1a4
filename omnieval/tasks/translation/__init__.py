"""Speech translation tasks."""
