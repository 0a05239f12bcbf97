# A small image of the mock: every emulated API on port 8080, with the bundled fixtures loaded.
#   docker build -t mock-server .
#   docker run --rm -p 8080:8080 mock-server
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MOCK_SERVER_HOST=0.0.0.0 \
    MOCK_SERVER_PORT=8080 \
    MOCK_SERVER_FIXTURES=/app/fixtures

WORKDIR /app
COPY pyproject.toml README.md ./
COPY mock_server ./mock_server
COPY fixtures ./fixtures
RUN pip install --no-cache-dir . \
    && useradd --system --no-create-home --uid 10001 mock

USER 10001
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('MOCK_SERVER_PORT', '8080') + '/__admin/health', timeout=2)"]
CMD ["mock-server"]
