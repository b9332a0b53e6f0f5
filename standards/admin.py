"""The site admin shows the standards app read-only, except principles: every other change has a workflow
(approval, acknowledgement, sending) that only the app's pages and services enforce."""

from django.contrib import admin

from cxcoe.admin import ReadOnlyAdmin

from .models import (
    Acknowledgement,
    CalendarFeed,
    Communication,
    CommunicationPlan,
    Principle,
    Standard,
    StandardVersion,
)
from .services.principles import create_principle, update_principle


@admin.register(Principle)
class PrincipleAdmin(admin.ModelAdmin):
    list_display = ["position", "title", "is_archived"]
    fields = ["title", "statement", "explanation", "examples"]

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in self.fields}
        if change:
            update_principle(principle=obj, by=request.user, **values)
        else:  # the admin goes on with `obj` (its message, its log entry): it becomes the row created
            created = create_principle(by=request.user, **values)
            obj.pk, obj.position = created.pk, created.position
            obj._state.adding, obj._state.db = False, created._state.db

    def has_delete_permission(self, request, obj=None):
        return False  # archived from the principles page, or deleted there when nothing points to it


@admin.register(Standard)
class StandardAdmin(ReadOnlyAdmin):
    list_display = ["code", "title", "status", "owner", "approver", "next_review_on"]
    list_filter = ["status", "requires_acknowledgement", "principle"]
    search_fields = ["code", "title"]


@admin.register(StandardVersion)
class StandardVersionAdmin(ReadOnlyAdmin):
    list_display = ["standard", "number", "status", "effective_on", "decided_by"]
    list_filter = ["status"]
    search_fields = ["standard__code", "title"]


@admin.register(Acknowledgement)
class AcknowledgementAdmin(ReadOnlyAdmin):
    list_display = ["standard", "version", "person", "status", "due_on", "acknowledged_at"]
    list_filter = ["status"]
    search_fields = ["person__email", "standard__code"]
    list_select_related = ["standard", "version__standard", "person"]


@admin.register(CommunicationPlan)
class CommunicationPlanAdmin(ReadOnlyAdmin):
    list_display = ["title", "owner", "starts_on", "ends_on", "is_archived"]


@admin.register(Communication)
class CommunicationAdmin(ReadOnlyAdmin):
    list_display = ["title", "plan", "channel", "scheduled_on", "status", "recipient_count"]
    list_filter = ["status", "channel"]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyAdmin):
    list_display = ["person", "created_at"]
    exclude = ["token"]  # the token is the person's private key to their calendar
