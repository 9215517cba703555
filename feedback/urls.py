from django.urls import path

from feedback.views import cadence, circles, stream, summary, written

app_name = "feedback"

urlpatterns = [
    path("", circles.index, name="index"),
    path("circles/new/", circles.circle_new, name="circle_new"),
    path("teams/<slug:slug>/cadence/", cadence.cadence, name="cadence"),
    path("circles/<int:circle_id>/", circles.room, name="room"),
    path("circles/<int:circle_id>/state/", circles.room_state, name="room_state"),
    path("circles/<int:circle_id>/reschedule/", circles.reschedule, name="reschedule"),
    path("circles/<int:circle_id>/cancel/", circles.cancel, name="cancel"),
    path("circles/<int:circle_id>/stream/", stream.stream, name="stream"),
    path("circles/<int:circle_id>/step/", circles.step, name="step"),
    path("circles/<int:circle_id>/items/", circles.write_item, name="write_item"),
    path("circles/<int:circle_id>/respond/", circles.respond, name="respond"),
    path("circles/<int:circle_id>/actions/", circles.add_action, name="add_action"),
    path("circles/<int:circle_id>/leave/", circles.leave, name="leave"),
    path("circles/<int:circle_id>/summary/", summary.summary, name="summary"),
    path("circles/<int:circle_id>/summary.md", summary.summary_markdown, name="summary_md"),
    path("circles/<int:circle_id>/summary.csv", summary.summary_csv, name="summary_csv"),
    path("items/<int:item_id>/decide/", circles.decide_item, name="decide_item"),
    path("actions/<int:action_id>/done/", circles.complete_action, name="complete_action"),
    path("write/", written.write, name="write"),
    path("inbox/", written.inbox, name="inbox"),
    path("given/", written.given, name="given"),
    path("written/<int:feedback_id>/decide/", written.decide_written, name="decide_written"),
    path("ask/", written.ask, name="ask"),
    path("people/<int:person_id>/received/", written.person_received, name="person_received"),
    path("settings/", written.admin_settings, name="admin_settings"),
]
