"""The fault tests start, stop and time real processes (Celery workers and beats, uvicorn,
private Redis and PostgreSQL servers). Each module marks its tests xdist_group("faults"), so
under `make test` (--dist loadgroup) they run one after another in one pytest-xdist worker,
while the other runs the rest: two at once would each start several processes on a 2-core
machine and measure each other's start-up instead of the fault."""
