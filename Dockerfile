# syntax=docker/dockerfile:1
# ssobridge container image (docs/operations.md, "Container"). Configuration comes only from the
# environment (docs/configuration.md); the data folder (SQLite database, generated keys) is the
# /data volume. The build runs the same commands as CI and a source install: `npm ci` (which also
# builds dist/ through the "prepare" script), `npm run build`, then `npm prune --omit=dev`.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
# better-sqlite3 compiles from source: node-gyp needs python3, make and a C++ compiler.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY bin ./bin
COPY src ./src
COPY public ./public
# The CI commands: `npm ci` installs every dependency (its "prepare" script compiles dist/),
# `npm run build` compiles it again, explicitly, `npm prune --omit=dev` leaves what runs.
RUN npm ci --no-audit --no-fund \
 && npm run build \
 && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json /app/package-lock.json ./
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --from=build --chown=root:root /app/bin ./bin
COPY --from=build --chown=root:root /app/public ./public
# The application files stay root's and read-only to the server; only /data is its to write.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 8080
# node itself, so the image needs no curl; /healthz answers while the process serves requests.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The server handles SIGTERM itself (drains, closes the database); run with `--init` (compose:
# `init: true`) so that a PID 1 reaps zombies and forwards signals in every case.
ENTRYPOINT ["node", "bin/ssobridge.js"]
CMD ["serve"]
