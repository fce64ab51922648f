# One image for every cahts process: server, worker, scheduler, migrate.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY inbox ./inbox
COPY bridge ./bridge
COPY bot ./bot
COPY web ./web
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0 \
    PORT=8000 \
    MPLBACKEND=Agg \
    PYTHONPATH=/app
RUN useradd --create-home --uid 10001 cahts
COPY --from=build /install /usr/local
WORKDIR /app
# Migrations are read from the source tree next to the packages.
COPY --chown=cahts:cahts migrations ./migrations
COPY --chown=cahts:cahts inbox ./inbox
COPY --chown=cahts:cahts bridge ./bridge
COPY --chown=cahts:cahts bot ./bot
COPY --chown=cahts:cahts web ./web
USER cahts
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --retries=3 \
  CMD python -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\",\"8000\")}/healthz', timeout=2)"
ENTRYPOINT ["cahts"]
CMD ["serve"]
