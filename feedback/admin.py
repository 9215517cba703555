from django.contrib import admin

from feedback.models import Campaign, Circle, FeedbackPolicy, Participant


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 0
    raw_id_fields = ["person"]


@admin.register(Circle)
class CircleAdmin(admin.ModelAdmin):
    list_display = ["title", "scheduled_at", "phase", "facilitator"]
    list_filter = ["phase"]
    raw_id_fields = ["created_by", "facilitator", "previous"]
    inlines = [ParticipantInline]
    # Item text is between the people in the room: not shown in the admin.


admin.site.register(Campaign)
admin.site.register(FeedbackPolicy)
