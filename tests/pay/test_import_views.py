"""Upload pages for market data and salaries, and the real-worker import with progress."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pay.models import MarketBenchmark, MarketDataSet, PayImportJob, PayRecord

HEADER = "job_family,level,location,base_p10,base_p25,base_p50,base_p75,base_p90\n"


def upload(text: str | bytes, name="market.csv"):
    data = text.encode() if isinstance(text, str) else text
    return SimpleUploadedFile(name, data, content_type="text/csv")


@pytest.mark.django_db
def test_a_bad_market_file_is_refused_with_every_problem_and_nothing_queued(world, client_for):
    response = client_for(world.people_admin).post(
        reverse("pay:market"),
        {
            "file": upload(HEADER + "Eng,4,London,5,4,3,2,1\nEng,x,,1,2,3,4,5\n"),
            "source": "Survey",
            "effective_date": "2026-01-01",
            "currency": "EUR",
        },
    )
    body = response.content.decode()
    assert response.status_code == 422
    assert "Nothing was imported: 6 problems found" in body
    assert "base_p25" in body and "level" in body and "location" in body
    assert not PayImportJob.objects.exists()
    assert not MarketDataSet.objects.exists()


@pytest.mark.django_db
def test_a_bad_salary_file_is_refused_with_its_rows_and_columns(world, client_for):
    response = client_for(world.people_admin).post(
        reverse("pay:salaries"),
        {
            "file": upload(
                "email,effective_date,base_salary,currency\nnobody@x.test,2026-01-01,-1,EUR\n"
            )
        },
    )
    assert response.status_code == 422
    assert b"No active person with this email" in response.content
    assert b"base_salary" in response.content
    assert not PayRecord.objects.exists()


@pytest.mark.django_db
def test_the_templates_download_as_csv_with_the_expected_columns(world, client_for):
    client = client_for(world.people_admin)
    market = client.get(reverse("pay:market_template"))
    assert market["Content-Disposition"].startswith("attachment")
    assert market.content.decode().startswith(HEADER.strip() + ",total_cash_p10")
    salaries = client.get(reverse("pay:salary_template")).content.decode()
    assert salaries.startswith("email,effective_date,base_salary,currency,cash_percent,reason")
    assert "bonus" not in salaries


@pytest.mark.django_db
def test_the_import_status_htmx_poll_renders_only_the_progress(world, client_for):
    job = PayImportJob.objects.create(
        kind="market", created_by=world.people_admin, filename="m.csv", content=b""
    )
    body = (
        client_for(world.people_admin)
        .get(reverse("pay:import_status", args=[job.pk]), headers={"HX-Request": "true"})
        .content.decode()
    )
    assert body.lstrip().startswith('<section class="card" id="import-progress"')
    assert 'hx-trigger="every 1s"' in body


def test_an_uploaded_market_file_is_imported_by_a_real_worker(world, client_for, celery_worker):
    rows = "".join(f"Eng,{i % 9 + 1},City {i // 9},1,2,3,4,5\n" for i in range(2000))
    client = client_for(world.people_admin)
    response = client.post(
        reverse("pay:market"),
        {
            "file": upload(HEADER + rows),
            "source": "Radford",
            "effective_date": "2026-02-01",
            "currency": "USD",
        },
    )
    assert response.status_code == 302
    job = PayImportJob.objects.get()
    assert response.url == reverse("pay:import_status", args=[job.pk])

    def done():
        job.refresh_from_db()
        return job.status in ("done", "failed")

    celery_worker.wait_for(done, timeout=30)
    assert job.status == "done", job.result
    data_set = MarketDataSet.objects.get()
    assert (data_set.source, data_set.currency, data_set.effective_date) == (
        "Radford",
        "USD",
        date(2026, 2, 1),
    )
    assert MarketBenchmark.objects.filter(data_set=data_set).count() == 2000
    page = client.get(reverse("pay:import_status", args=[job.pk])).content.decode()
    assert "2,000 rows imported" in page and "every 1s" not in page


@pytest.mark.django_db
def test_the_market_page_lists_older_data_sets_and_marks_the_one_in_force(world, client_for):
    from tests.pay.conftest import make_data_set

    make_data_set(source="Old survey", effective=date(2024, 1, 1))
    make_data_set(source="Current survey", effective=date(2025, 1, 1))
    make_data_set(source="Next survey", effective=date(2099, 1, 1))
    body = client_for(world.people_admin).get(reverse("pay:market")).content.decode()
    assert "Old survey" in body and "Next survey" in body
    assert body.count("in force</span>") == 1
    assert body.index("Current survey") < body.index("in force</span>") < body.index("Old survey")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "page,kind,other", [("pay:market", "market", "salary"), ("pay:salaries", "salary", "market")]
)
def test_the_upload_pages_link_back_to_their_recent_imports(world, client_for, page, kind, other):
    """Once the upload's redirect is gone, this is the way back to a slow or failed import."""
    mine = PayImportJob.objects.create(
        kind=kind, created_by=world.people_admin, filename=f"{kind}-2026.csv", content=b""
    )
    theirs = PayImportJob.objects.create(
        kind=other, created_by=world.people_admin, filename=f"{other}-2026.csv", content=b""
    )
    body = client_for(world.people_admin).get(reverse(page)).content.decode()
    assert f'href="{reverse("pay:import_status", args=[mine.pk])}"' in body
    assert reverse("pay:import_status", args=[theirs.pk]) not in body
    assert "Recent imports" in body and world.people_admin.name in body
