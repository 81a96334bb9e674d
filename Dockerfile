# Retouch on the CPU: the API and classic-engine workers (`retouch serve`, `retouch serve --role api`,
# `retouch worker`). Built from this repository: docker build -t retouch .
# The install step is scripts/install-app.sh, the same one `make test` runs in CI.

FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY scripts/install-app.sh scripts/
COPY src ./src
RUN bash scripts/install-app.sh /opt/retouch "" distributed

FROM python:3.11-slim-bookworm
# A user without a login shell or home of its own; /data belongs to it.
RUN useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin retouch \
    && mkdir -p /data && chown retouch /data
COPY --from=build /opt/retouch /opt/retouch
ENV PATH=/opt/retouch/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    RETOUCH_HOST=0.0.0.0 \
    RETOUCH_PORT=8000 \
    RETOUCH_DATA_DIR=/data
USER retouch
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
ENTRYPOINT ["retouch"]
CMD ["serve"]
