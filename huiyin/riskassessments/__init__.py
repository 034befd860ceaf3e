"""Decision risk assessments."""
