from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .audit import record_event
from .models import AuditEvent, BusinessUnit, ImportJob, User
from .people import services


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "business_unit", "job_title", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "is_superuser", "groups"]
    search_fields = ["email", "display_name", "job_title"]
    autocomplete_fields = ["business_unit"]
    # Deactivation and the CoE staff role have consequences (sessions, audit), so they go through the
    # "Deactivate" action and the app's person pages rather than plain fields here.
    readonly_fields = ["is_active", "last_login", "date_joined", "deactivated_at", "groups"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["display_name", "business_unit", "job_title", "time_zone"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined", "deactivated_at"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "display_name", "password1", "password2"]})]
    actions = ["deactivate"]

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            record_event(actor=request.user, verb="person.created", target=obj,
                         details={"via": "admin", "fields": sorted(form.changed_data)})
            return
        # The form has put its values on `obj` already; the service compares them with the stored row, and
        # takes the old address away from allauth when the email changes.
        services.update_person(person=User.objects.get(pk=obj.pk), by=request.user,
                               **{name: form.cleaned_data[name] for name in form.changed_data})

    def save_related(self, request, form, formsets, change):
        if not change:
            super().save_related(request, form, formsets, change)
            return
        for formset in formsets:  # update_person saved the permissions (the many-to-many fields) already
            self.save_formset(request, form, formset, change=change)

    @admin.action(description="Deactivate the selected people (ends their sessions)")
    def deactivate(self, request, queryset):
        count = services.deactivate_people(people=queryset.exclude(pk=request.user.pk), by=request.user,
                                           reason="Site admin action")
        self.message_user(request, f"{count} deactivated.")


class BusinessUnitAdminForm(forms.ModelForm):
    class Meta:
        model = BusinessUnit
        fields = ["code", "name", "parent", "leaders", "is_active"]

    def clean_parent(self):
        parent = self.cleaned_data["parent"]
        if parent and self.instance.pk and parent.path.startswith(self.instance.path):
            raise forms.ValidationError("A unit cannot sit below itself or one of its own units.")
        return parent


@admin.register(BusinessUnit)
class BusinessUnitAdmin(admin.ModelAdmin):
    form = BusinessUnitAdminForm
    list_display = ["code", "name", "parent", "is_active"]
    list_filter = ["is_active", "depth"]
    search_fields = ["code", "name"]
    readonly_fields = ["path", "depth"]
    autocomplete_fields = ["parent", "leaders"]

    def get_readonly_fields(self, request, obj=None):
        # The code is a unit's key in imports: given once, as on the unit's own form.
        return [*self.readonly_fields, "code"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in ["name", "parent", "is_active"]}
        if change:
            services.update_unit(unit=obj, by=request.user, **values)
        else:  # the admin goes on with `obj` (its message, its log entry, its leaders): it becomes the row created
            created = services.create_unit(by=request.user, code=form.cleaned_data["code"], **values)
            obj.pk, obj.path, obj.depth = created.pk, created.path, created.depth
            obj._state.adding, obj._state.db = False, created._state.db

    def save_related(self, request, form, formsets, change):
        services.set_unit_leaders(unit=form.instance, leaders=form.cleaned_data["leaders"], by=request.user)
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor", "verb", "target_label", "ip_address", "user_agent"]
    list_filter = ["verb"]
    search_fields = ["verb", "target_label", "actor__email"]
    date_hierarchy = "created_at"
    list_select_related = ["actor"]


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = ["pk", "created_at", "created_by", "status", "error_count"]
    list_filter = ["status"]
    exclude = ["units_csv", "people_csv"]
    list_select_related = ["created_by"]
