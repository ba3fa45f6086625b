# One image for every role of the scaled-out layout: api, worker, relay, migrate.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    EDIGW_DATA_DIR=/var/lib/edigw \
    EDIGW_HTTP_HOST=0.0.0.0

RUN useradd --system --uid 10001 --home-dir /var/lib/edigw edigw \
    && mkdir -p /var/lib/edigw/archive \
    && chown -R edigw /var/lib/edigw

WORKDIR /src
COPY pyproject.toml README.md ./
COPY gateway ./gateway
COPY partners ./partners
COPY translators ./translators
RUN pip install ".[postgres,redis]"

USER edigw
WORKDIR /var/lib/edigw
EXPOSE 8080
ENTRYPOINT ["edigw"]
CMD ["serve"]
