# campusvoice: one image for the app servers, the task workers and the migrate job.
# Untested here (no Docker engine on the build machine); see docs/deploy.md.
# Debian 13 named in the tag: its postgresql-client is PostgreSQL 17, compose.yaml's server.
FROM python:3.12-slim-trixie

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # Collected static files, uploads (media/) and nothing else: production data is in PostgreSQL.
    CAMPUSVOICE_VAR_DIR=/var/lib/campusvoice

RUN groupadd --system campusvoice \
    && useradd --system --gid campusvoice --home-dir /var/lib/campusvoice --shell /usr/sbin/nologin campusvoice \
    && mkdir -p /var/lib/campusvoice/media \
    && chown -R campusvoice:campusvoice /var/lib/campusvoice

# pg_dump, pg_restore and psql for `campusvoice backup` and `restore` (the client must be the
# server's major version or newer: 17 here); Pango and HarfBuzz for WeasyPrint's PDF letters, and
# one font family for them.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        postgresql-client-17 libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
# Every package from the hashed locks (make lock), before the code so the layer is reused: the
# build backend first, then the runtime packages built with it (crontab is published as source
# only), so no unchecked build tool is fetched.
COPY requirements/build.txt requirements/runtime.txt requirements/
RUN pip install --require-hashes -r requirements/build.txt \
    && pip install --require-hashes --no-build-isolation -r requirements/runtime.txt
COPY pyproject.toml README.md ./
COPY campusvoice ./campusvoice
# A regular (not editable) install: the code, templates, static files and catalogues go into
# site-packages, and /src is not needed at run time. Its dependencies are installed already.
RUN pip install --no-deps --no-build-isolation . && rm -rf /src

WORKDIR /var/lib/campusvoice
USER campusvoice

# Hashed static files and their manifest, built once into the image. The key exists only for this
# step (settings refuse to load without one in production mode) and signs nothing.
RUN CAMPUSVOICE_SECRET_KEY=build-only-dummy-key-never-used-at-run-time-0123456789 \
    campusvoice collectstatic --noinput --verbosity 0

EXPOSE 8000
# gunicorn receives SIGTERM directly (`serve` replaces itself with it) and finishes its requests.
STOPSIGNAL SIGTERM
CMD ["campusvoice", "serve", "--bind", "0.0.0.0:8000"]
