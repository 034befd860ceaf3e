app_name = "riskassessments"

urlpatterns: list = []
