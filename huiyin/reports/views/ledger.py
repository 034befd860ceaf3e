"""Report pages: ledger."""

urlpatterns: list = []
