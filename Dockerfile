# Production image: web (gunicorn) and worker (rqworker) run from the same image.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings \
    MEDIA_ROOT=/data/media STATIC_ROOT=/app/staticfiles \
    NUMBA_CACHE_DIR=/tmp/numba-cache

# WeasyPrint's system libraries (Pango, HarfBuzz) and one font family.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
    fonts-dejavu-core curl \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
RUN useradd --create-home --uid 1000 herdbook \
 && mkdir -p /data/media /app/staticfiles \
 && DEBUG=1 python manage.py collectstatic --noinput -v0 \
 && chown -R herdbook:herdbook /data /app/staticfiles
USER herdbook

EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60"]
