# The Migawka image for compose.yaml: the console (`node scripts/start.mjs`) and the worker
# (`node bin/migawka.mjs worker`) run from the same build. better-sqlite3 compiles from source,
# hence the toolchain; the embedded SQLite default still works in this image without DATABASE_URL.
FROM node:20-bookworm-slim
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
ENV NEXT_TELEMETRY_DISABLED=1
RUN npx next build
EXPOSE 3000
CMD ["node", "scripts/start.mjs"]
