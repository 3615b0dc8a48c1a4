"""VoiceBench (voice chat) tasks."""
