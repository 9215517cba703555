from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from culture.models import AuditEvent, CompanySettings, Delivery, Notification, Person, Team


@admin.register(Person)
class PersonAdmin(UserAdmin):
    ordering = ["name"]
    list_display = ["name", "email", "title", "team", "manager", "is_active", "is_people_admin"]
    list_filter = ["is_active", "is_people_admin", "team"]
    search_fields = ["name", "email", "title"]
    raw_id_fields = ["manager"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (
            "Person",
            {
                "fields": [
                    "name",
                    "title",
                    "job_family",
                    "level",
                    "location",
                    "team",
                    "manager",
                    "start_date",
                ]
            },
        ),
        ("Access", {"fields": ["is_active", "is_people_admin", "is_staff", "is_superuser"]}),
        # The day they left (set when they are deactivated) counts the retention of their
        # records; erasure happens on their data page, never here (culture.privacy).
        ("Leaving", {"fields": ["left_on", "erased_at"]}),
    ]
    readonly_fields = ["erased_at"]
    add_fieldsets = [(None, {"fields": ["email", "name", "password1", "password2"]})]
    filter_horizontal = []


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(CompanySettings)
class CompanySettingsAdmin(admin.ModelAdmin):
    list_display = ["name", "time_zone"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only."""

    list_display = ["at", "actor", "action", "subject", "ip"]
    list_filter = ["action"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "title", "read_at"]
    raw_id_fields = ["recipient"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "to_email", "subject", "status", "attempts"]
    list_filter = ["status"]
    readonly_fields = ["key", "text_body", "html_body"]
