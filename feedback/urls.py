from django.urls import path

from feedback import views

app_name = "feedback"

urlpatterns = [
    path("", views.index, name="index"),
    path("circles/new/", views.circle_new, name="circle_new"),
    path("circles/<int:circle_id>/", views.room, name="room"),
    path("circles/<int:circle_id>/state/", views.room_state, name="room_state"),
    path("circles/<int:circle_id>/stream/", views.stream, name="stream"),
    path("circles/<int:circle_id>/step/", views.step, name="step"),
    path("circles/<int:circle_id>/items/", views.write_item, name="write_item"),
    path("circles/<int:circle_id>/respond/", views.respond, name="respond"),
    path("circles/<int:circle_id>/actions/", views.add_action, name="add_action"),
    path("circles/<int:circle_id>/leave/", views.leave, name="leave"),
    path("circles/<int:circle_id>/summary/", views.summary, name="summary"),
    path("circles/<int:circle_id>/summary.md", views.summary_markdown, name="summary_md"),
    path("circles/<int:circle_id>/summary.csv", views.summary_csv, name="summary_csv"),
    path("items/<int:item_id>/decide/", views.decide_item, name="decide_item"),
    path("actions/<int:action_id>/done/", views.complete_action, name="complete_action"),
    path("write/", views.write, name="write"),
    path("inbox/", views.inbox, name="inbox"),
    path("given/", views.given, name="given"),
    path("written/<int:feedback_id>/decide/", views.decide_written, name="decide_written"),
    path("ask/", views.ask, name="ask"),
    path("people/<int:person_id>/received/", views.person_received, name="person_received"),
    path("settings/", views.admin_settings, name="admin_settings"),
]
