"""The Excel ledgers (台账): reading, importing and exporting them."""
