"""The assessment's services: every change goes through them (permission, validation with
translatable messages, one transaction with its audit entry)."""
