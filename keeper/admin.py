from django.contrib import admin

from keeper.models import KeeperCycle, KeeperPolicy


@admin.register(KeeperPolicy)
class KeeperPolicyAdmin(admin.ModelAdmin):
    list_display = ["cadence", "opening_month", "opening_hour", "due_days", "wording"]


@admin.register(KeeperCycle)
class KeeperCycleAdmin(admin.ModelAdmin):
    list_display = ["label", "opens_at", "due_on", "closes_at", "wording"]
    # Keeper tests are confidential and audited: they are not browsable in the Django admin.
