FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml ./
COPY shared ./shared
COPY services ./services
COPY infra ./infra
RUN pip install . \
    && useradd --create-home --uid 10001 goalkeeper \
    && mkdir -p /var/lib/goalkeeper \
    && chown goalkeeper:goalkeeper /var/lib/goalkeeper

USER goalkeeper
ENV GOALKEEPER_RUN_DIR=/var/lib/goalkeeper
EXPOSE 8001 8002 8003
CMD ["gunicorn", "--config", "infra/gunicorn.conf.py", "--bind", "0.0.0.0:8001", "services.goals.entrypoints.app:create_app()"]
