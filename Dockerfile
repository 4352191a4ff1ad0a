# Neuron Playground: docker build -t neuron-playground . && docker run -p 8000:8000 neuron-playground
# Configured by NP_* environment variables (see the README's settings table).

# ---- build: install the app and its dependencies into a virtual environment
FROM python:3.12.8-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
COPY templates ./templates
COPY static ./static
# A regular (non-editable) install: pyproject.toml maps templates/ and static/
# into the package, so the venv alone carries everything the server needs.
RUN pip install --no-cache-dir .

# ---- run: the venv on a clean slim image, as an unprivileged user
FROM python:3.12.8-slim-bookworm
RUN useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin app
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    NP_HOST=0.0.0.0 \
    NP_PORT=8000 \
    NP_WORKERS=1
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('NP_PORT', '8000'), timeout=4)"]
# Host, port and number of workers come from NP_HOST, NP_PORT, NP_WORKERS.
CMD ["neuron-playground"]
