"""Personal data: validation, masking and encryption of resident IDs, phones, names."""
