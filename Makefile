.PHONY: demo test lint docs bench load cluster

# Install everything and run the example project on http://127.0.0.1:8000/
demo:
	./scripts/demo

# Install what the tests need and pass the whole suite (every tox env)
test:
	./scripts/test

lint:
	./scripts/test -e lint

docs:
	./scripts/test -e docs

# The benchmark table (plain Django, DRF, django-ninja, drf-apifirst), about a minute
bench:
	./scripts/bench

# The example under load: gunicorn (4 workers) + PostgreSQL + Redis, wrk, 30 s
load:
	./scripts/load

# Three app hosts behind HAProxy in network namespaces (root): exactness and fault
# scenarios, then throughput and p50/p99 with 1, 2 and 3 hosts; a few minutes
cluster:
	./scripts/cluster
