"""The steps of the dispute workflow: what each transition checks and records."""
