# One image for every Python component: the five nameko services and the Flask gateway.
# The command (set in docker-compose.yml / the k8s manifests) picks the component.
FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# CJK font for generated PDFs; lp/lpstat for the print agent (talks to CUPS via CUPS_SERVER)
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-wqy-zenhei cups-client \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first so code changes do not invalidate this layer
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .

RUN useradd --create-home --uid 10001 --user-group app \
    && mkdir -p /app/var/uploads \
    && chown -R app:app /app/var

USER app

CMD ["nameko", "run", "--help"]
