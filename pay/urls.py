from django.urls import path

from pay import views

app_name = "pay"

urlpatterns = [
    path("", views.index, name="index"),
    path("team/", views.team, name="team"),
    path("mine/evidence/", views.share_evidence, name="share_evidence"),
    path(
        "mine/evidence/<int:evidence_id>/withdraw/",
        views.withdraw_evidence,
        name="withdraw_evidence",
    ),
    path("mine/mix/", views.choose_mix, name="choose_mix"),
    path(
        "evidence/<int:evidence_id>/attachment/",
        views.evidence_attachment,
        name="evidence_attachment",
    ),
    path("people/<int:person_id>/", views.person, name="person"),
    path("people/<int:person_id>/evidence/", views.evidence_add, name="evidence_add"),
    path("people/<int:person_id>/propose/", views.propose, name="propose"),
    path("people/<int:person_id>/record/", views.record_pay, name="record"),
    path("proposals/<int:proposal_id>/", views.proposal, name="proposal"),
    path(
        "proposals/<int:proposal_id>/withdraw/", views.withdraw_proposal, name="withdraw_proposal"
    ),
    path("overview/", views.overview, name="overview"),
    path("overview/export.csv", views.export, name="export"),
    path("market/", views.market, name="market"),
    path("market/template.csv", views.market_template, name="market_template"),
    path("salaries/", views.salaries, name="salaries"),
    path("salaries/template.csv", views.salary_template, name="salary_template"),
    path("imports/<int:job_id>/", views.import_status, name="import_status"),
    path("policy/", views.policy, name="policy"),
    path("rates/", views.rates, name="rates"),
]
