"""Reports: Excel ledgers in and out, Word documents in the GB/T 9704 layout.

The modules here are plain libraries (no models, no database): `ledger_read` reads the sheets
offices keep, `xlsx_ledger` writes them, `docx_layout` lays out an official-document page.
"""
