from django.contrib import admin

from decisions.models import BetReview, Comment, Memo, Rating, RevisitRequest


@admin.register(Memo)
class MemoAdmin(admin.ModelAdmin):
    list_display = ["title", "captain", "state", "confidential", "decide_by", "published_at"]
    list_filter = ["state", "confidential"]
    search_fields = ["title"]
    raw_id_fields = ["captain", "created_by", "co_authors", "readers"]
    readonly_fields = ["rating_count", "rating_low", "rating_high"]


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ["memo", "person", "score", "updated_at", "version"]
    raw_id_fields = ["memo", "person"]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["memo", "author", "created_at"]
    raw_id_fields = ["memo", "author", "parent"]


admin.site.register(RevisitRequest, raw_id_fields=["memo", "requested_by"])
admin.site.register(BetReview, raw_id_fields=["manager"])
