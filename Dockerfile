# The minetrace CLI and explorer in a container (docker-compose.yml runs it against Neo4j).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 MINETRACE_STORE=/var/lib/minetrace
WORKDIR /opt/minetrace
COPY pyproject.toml README.md ./
COPY ingest ./ingest
COPY graph ./graph
COPY queries ./queries
COPY app ./app
RUN pip install . && useradd --create-home --uid 10001 minetrace \
    && mkdir -p /var/lib/minetrace && chown minetrace /var/lib/minetrace
USER minetrace
WORKDIR /home/minetrace
EXPOSE 8501
CMD ["minetrace", "app", "--host", "0.0.0.0", "--port", "8501"]
