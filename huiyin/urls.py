from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from huiyin.front import views as front
from huiyin.front.forms import AdminLoginForm, LoginForm
from huiyin.front.views_desk import desk_view
from huiyin.org import street_choice

admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("", front.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=LoginForm
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # OpenID Connect sign-in (huiyin.directory); 404 unless configured.
    path("oidc/", include("huiyin.directory.urls")),
    path("section/<slug:key>/", front.section, name="section"),
    path("system/", front.system, name="system"),
    path("desk/", desk_view, name="desk"),
    path("street/", street_choice.choose, name="choose-street"),
    path("audit/", include("huiyin.privacy.urls")),
    path("cases/", include("huiyin.cases.urls")),
    path("petitions/", include("huiyin.petitions.urls")),
    path("disputes/", include("huiyin.disputes.urls")),
    path("incidents/", include("huiyin.incidents.urls")),
    path("reports/", include("huiyin.reports.urls")),
    path("screening/", include("huiyin.screening.urls")),
    path("patrols/", include("huiyin.patrols.urls")),
    path("assessment/", include("huiyin.assessment.urls")),
    path("meetings/", include("huiyin.meetings.urls")),
    path("safety/", include("huiyin.safety.urls")),
    path("risk-assessments/", include("huiyin.riskassessments.urls")),
    path("track/", include("huiyin.petitions.public_urls")),
    path("api/", include("huiyin.api.urls")),
    path("mail/", include("huiyin.mail.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "huiyin.front.views.permission_denied"
