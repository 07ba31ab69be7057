# TopicPulse service image. CPU by default; for a GPU image:
#   docker build --build-arg BASE_IMAGE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu22.04 \
#                --build-arg TORCH_INDEX_URL=https://download.pytorch.org/whl/cu128 -t topicpulse:gpu .
# Both stages use the same base so the virtual environment's interpreter exists in the runtime stage.
ARG BASE_IMAGE=python:3.11-slim-bookworm

FROM ${BASE_IMAGE} AS build
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ENV PIP_EXTRA_INDEX_URL=${TORCH_INDEX_URL} PIP_NO_CACHE_DIR=1 DEBIAN_FRONTEND=noninteractive
RUN command -v python3.11 >/dev/null || (apt-get update && apt-get install -y --no-install-recommends \
        python3.11 python3.11-venv && rm -rf /var/lib/apt/lists/*)
RUN apt-get update && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY .ci/install .ci/install
COPY config config
COPY service service
COPY pipelines pipelines
COPY models models
COPY store store
# The same install step as CI (.ci/run), without the test extras.
RUN bash .ci/install /app/.venv runtime
# Prepare the offline multilingual default model into the image, so the container needs no network.
ENV TOPICPULSE_EMBEDDING__CACHE_DIR=/app/model-cache
RUN /app/.venv/bin/topicpulse models prepare

FROM ${BASE_IMAGE} AS runtime
ENV DEBIAN_FRONTEND=noninteractive
RUN command -v python3.11 >/dev/null || (apt-get update && apt-get install -y --no-install-recommends \
        python3.11 && rm -rf /var/lib/apt/lists/*)
RUN useradd --create-home --uid 10001 topicpulse
WORKDIR /app
COPY --from=build --chown=topicpulse /app /app
ENV PATH=/app/.venv/bin:$PATH \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    TOPICPULSE_DATA_DIR=/data \
    TOPICPULSE_EMBEDDING__CACHE_DIR=/app/model-cache \
    TOPICPULSE_SERVICE__HOST=0.0.0.0
RUN mkdir -p /data && chown topicpulse /data
VOLUME /data
USER topicpulse
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python3.11 -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"
CMD ["topicpulse", "serve"]
