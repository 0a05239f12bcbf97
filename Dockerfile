# A small image of the mock: every emulated API on port 8080, with the bundled fixtures (package data) loaded.
#   docker build -t fintech-mock-server .
#   docker run --rm -p 8080:8080 fintech-mock-server
#   docker run --rm -p 9000:9000 fintech-mock-server --port 9000 --latency 50-200   (flags reach the server)
# It binds 0.0.0.0: anyone who can reach the port can read and reset the sandbox through /__admin. On a shared
# machine or network, require a token on the admin API (the emulated APIs never ask for it):
#   docker run --rm -p 8080:8080 -e MOCK_SERVER_ADMIN_TOKEN="$(openssl rand -hex 16)" fintech-mock-server
# The HEALTHCHECK needs no token: without it, /__admin/health says only whether the server is up.
FROM python:3.11-slim

# The repository's public address, if it has one: docker build --build-arg SOURCE_URL=https://...
ARG SOURCE_URL=""
LABEL org.opencontainers.image.title="fintech-mock-server" \
      org.opencontainers.image.description="A local emulator of the Dots, Wealthyhood, Dakota and Taliware CL2C create-user APIs" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.version="0.2.0"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MOCK_SERVER_HOST=0.0.0.0 \
    MOCK_SERVER_PORT=8080

WORKDIR /app

# The runtime dependencies in a layer of their own, at constraints.txt's exact versions: a code change reuses it
# instead of downloading them again. Only pyproject.toml's [project] dependencies: no dev tools, no Faker.
COPY pyproject.toml constraints.txt ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt \
    && pip install --no-cache-dir -c constraints.txt -r requirements.txt \
    && useradd --system --no-create-home --uid 10001 mock

# The code and the fixtures it ships (fixtures/ becomes the package mock_server.bundled_fixtures).
COPY README.md LICENSE ./
COPY fixtures ./fixtures
COPY mock_server ./mock_server
RUN pip install --no-cache-dir --no-deps .

USER 10001
EXPOSE 8080
# The port is --port's when the container was started with one (PID 1 is the server), else MOCK_SERVER_PORT's.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["python", "-c", "import os, re, urllib.request; flag = re.search(r'--port[= ](\\d+)', open('/proc/1/cmdline').read().replace(chr(0), ' ')); urllib.request.urlopen('http://127.0.0.1:' + (flag.group(1) if flag else os.environ.get('MOCK_SERVER_PORT', '8080')) + '/__admin/health', timeout=2)"]
# Arguments after the image name are the server's flags (or a subcommand: `fixtures generate ...`).
ENTRYPOINT ["mock-server"]
CMD []
