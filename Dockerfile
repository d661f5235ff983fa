# Tacit API server. SQLite in the /data volume by default; set TACIT_DATABASE_URL for PostgreSQL.
#   docker build -t tacit .
#   docker run -p 8000:8000 -v tacit-data:/data -e TACIT_ENV=prod -e TACIT_SECRET_KEY=... tacit
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    TACIT_DATABASE_URL=sqlite:////data/tacit.db

WORKDIR /srv/tacit

# torch first and pinned, in its own layer: left to sentence-transformers it resolves to the
# newest build. Point TORCH_INDEX_URL at a CPU-only wheel index to keep the image small.
ARG TORCH_INDEX_URL=""
RUN pip install torch==2.13.0 ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"}

COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
# Editable, so that the migrations beside the package are found at run time; `[server]`, since
# `pip install tacit` alone is the command-line client.
RUN pip install -e '.[server]'
# The ONNX exports of the bundled model (TACIT_EMBEDDING_BACKEND=onnx|onnx-int8), made here so
# that the server never exports on start. int8 is quantized for the build machine's CPU.
RUN python -m app.embedding.export

RUN useradd --system --create-home tacit && mkdir /data && chown tacit /data
USER tacit
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=3s \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/livez')"

CMD ["tacit", "serve", "--host", "0.0.0.0", "--port", "8000"]
