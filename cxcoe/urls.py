from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from . import health
from .audit import views as audit_views
from .dashboard import search
from .dashboard import views as dashboard
from .imports import views as import_views
from .lib import editor
from .notifications import mail_views
from .notifications import views as notification_views
from .people import sso_views
from .people import views as people_views

# The admin signs in through allauth, so its login has the same rate limits and MFA.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]  # as allauth documents it
admin.site.site_header = "cxcoe administration"

urlpatterns = [
    path("", dashboard.my_work, name="home"),
    path("dashboard/", dashboard.leader_dashboard, name="dashboard"),
    path("search/", search.search, name="search"),
    path("me/", people_views.profile, name="profile"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readiness, name="readyz"),
    path("manage/people/", people_views.person_list, name="person-list"),
    path("manage/people/export.csv", people_views.person_export, name="person-export"),
    path("manage/people/lookup/", people_views.person_lookup, name="person-lookup"),
    path("manage/people/<int:pk>/", people_views.person_detail, name="person-detail"),
    path("manage/people/<int:pk>/edit/", people_views.person_edit, name="person-edit"),
    path("manage/people/<int:pk>/deactivate/", people_views.person_deactivate, name="person-deactivate"),
    path("manage/people/<int:pk>/reactivate/", people_views.person_reactivate, name="person-reactivate"),
    path("manage/units/", people_views.unit_list, name="unit-list"),
    path("manage/units/export.csv", people_views.unit_export, name="unit-export"),
    path("manage/units/new/", people_views.unit_create, name="unit-create"),
    path("manage/units/<int:pk>/", people_views.unit_detail, name="unit-detail"),
    path("manage/units/<int:pk>/edit/", people_views.unit_edit, name="unit-edit"),
    path("manage/units/<int:pk>/review/", people_views.unit_review, name="unit-review"),
    path("manage/imports/", import_views.import_list, name="import-list"),
    path("manage/imports/<int:pk>/", import_views.import_detail, name="import-detail"),
    path("manage/imports/<int:pk>/apply/", import_views.import_apply, name="import-apply"),
    path("manage/imports/<int:pk>/cancel/", import_views.import_cancel, name="import-cancel"),
    path("manage/audit/", audit_views.audit_list, name="audit-list"),
    path("manage/audit/export.csv", audit_views.audit_export, name="audit-export"),
    path("manage/operations/", notification_views.operations, name="operations"),
    path("manage/operations/reminders/export.csv", notification_views.operations_export, name="operations-export"),
    path("manage/operations/sweeps/<str:name>/run/", notification_views.operations_run_sweep,
         name="operations-run-sweep"),
    path("manage/operations/reminders/<int:pk>/retry/", notification_views.operations_retry, name="operations-retry"),
    path("manage/sent-mail/", mail_views.sent_mail_list, name="sent-mail-list"),
    path("manage/sent-mail/<slug:name>/", mail_views.sent_mail_detail, name="sent-mail-detail"),
    path("manage/sent-mail/<slug:name>/html/", mail_views.sent_mail_html, name="sent-mail-html"),
    path("markdown/preview/", editor.markdown_preview, name="markdown-preview"),
    path("notifications/", notification_views.notification_list, name="notification-list"),
    path("notifications/read-all/", notification_views.notification_read_all, name="notification-read-all"),
    path("notifications/preferences/", notification_views.notification_preferences, name="notification-preferences"),
    path("notifications/<int:pk>/open/", notification_views.notification_open, name="notification-open"),
    path("notifications/<int:pk>/read/", notification_views.notification_read, name="notification-read"),
    path("standards/", include("standards.urls")),
    path("library/", include("library.urls")),
    path("training/", include("training.urls")),
    path("ambassadors/", include("ambassadors.urls")),
    # Email addresses come from the directory; people don't add or swap their own.
    path("accounts/email/", RedirectView.as_view(pattern_name="profile"), name="account_email"),
    # Under /accounts/ so that staff who must set up two-factor first can reach it.
    path("accounts/reauthenticate/sso/", sso_views.reauthenticate, name="sso-reauthenticate"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
