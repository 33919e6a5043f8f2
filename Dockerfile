# One image for web, workers and beat; the command differs per service.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY pyproject.toml README.md constraints.txt ./
# GPU images install the CUDA build of torch 2.13.0 matching their driver; the CPU wheel otherwise.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
RUN pip install --index-url "$TORCH_INDEX_URL" torch==2.13.0 \
 && pip install -c constraints.txt -e .
COPY . .
RUN python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["gunicorn", "lotix.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
