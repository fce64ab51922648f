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
    MPLBACKEND=Agg
RUN useradd --create-home --uid 10001 cahts
COPY --from=build /install /usr/local
# The installed package carries everything it reads: migrations and dashboard files included.
WORKDIR /app
USER cahts
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --retries=3 \
  CMD python -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\",\"8000\")}/healthz', timeout=2)"
ENTRYPOINT ["cahts"]
CMD ["serve"]
