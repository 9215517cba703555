from django.urls import path

from decisions import views

app_name = "decisions"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new_memo, name="new"),
    path("preview/", views.preview, name="preview"),
    path("reviews/", views.reviews, name="reviews"),
    path("people/<int:person_id>/", views.person_ledger, name="person_ledger"),
    path("teams/<slug:slug>/", views.team_ledger, name="team_ledger"),
    path("<int:memo_id>/", views.memo_page, name="memo"),
    path("<int:memo_id>/edit/", views.edit_memo, name="edit"),
    path("<int:memo_id>/rate/", views.rate, name="rate"),
    path("<int:memo_id>/comment/", views.comment, name="comment"),
    path("<int:memo_id>/revisit/", views.revisit, name="revisit"),
    path("<int:memo_id>/hand-over/", views.hand_over, name="hand_over"),
    path("<int:memo_id>/invite/", views.invite, name="invite"),
    path("<int:memo_id>/step/<slug:step>/", views.step, name="step"),
]
