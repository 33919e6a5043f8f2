# The CPU image: web (gunicorn + WhiteNoise), worker-cpu, beat and the migrate one-shot.
# The command differs per service (docker-compose.yml); the GPU worker has Dockerfile.gpu.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 LOTIX_VAR_DIR=/app/var \
    XDG_CACHE_HOME=/app/var/cache
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin lotix
WORKDIR /app
COPY pyproject.toml README.md constraints.txt ./
# torch first, from the CPU index, pinned like constraints.txt, so nothing later pulls a CUDA build.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
RUN pip install --index-url "$TORCH_INDEX_URL" torch==2.13.0 \
 && pip install -c constraints.txt -e .
COPY . .
# Static files are collected (and compressed) into the image and served by WhiteNoise. The key
# is a throwaway made for this one command, so no key is ever written into the image.
RUN SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    LOTIX_COLLECTSTATIC=true python manage.py collectstatic --noinput -v0 \
 && mkdir -p /app/var && chown -R lotix:lotix /app/var
USER lotix
EXPOSE 8000
CMD ["gunicorn", "lotix.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
