"""Judges (rule-based and model-based rewards). None are registered yet: the ASR tasks score
with metrics alone; the judge protocol arrives with the judges issue."""
