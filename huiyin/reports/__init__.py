"""Reports: Excel ledgers in and out, Word documents in the GB/T 9704 layout.

`stats/` counts (one engine, a module per kind), `ledgers/` reads the sheets offices keep and
writes them (one engine, a module per kind's columns), `sections/` composes the campaign report
from each kind's section, `documents/` writes the documents that go out, and `docx_layout` lays
out an official-document page.
"""
