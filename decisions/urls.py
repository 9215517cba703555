from django.urls import path

from decisions.views import feed, ledger, memo, writing

app_name = "decisions"

urlpatterns = [
    path("", feed.index, name="index"),
    path("new/", writing.new_memo, name="new"),
    path("preview/", writing.preview, name="preview"),
    path("reviews/", ledger.reviews, name="reviews"),
    path("people/<int:person_id>/", ledger.person_ledger, name="person_ledger"),
    path("teams/<slug:slug>/", ledger.team_ledger, name="team_ledger"),
    path("<int:memo_id>/", memo.memo_page, name="memo"),
    path("<int:memo_id>/edit/", writing.edit_memo, name="edit"),
    path("<int:memo_id>/rate/", memo.rate, name="rate"),
    path("<int:memo_id>/comment/", memo.comment, name="comment"),
    path("<int:memo_id>/revisit/", memo.revisit, name="revisit"),
    path("<int:memo_id>/hand-over/", writing.hand_over, name="hand_over"),
    path("<int:memo_id>/invite/", writing.invite, name="invite"),
    path("<int:memo_id>/step/<slug:step>/", writing.step, name="step"),
]
