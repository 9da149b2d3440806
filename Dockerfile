# syntax=docker/dockerfile:1
# The tlslint container image: one static binary on an empty base image, run as a
# non-root user, with the current folder mounted at /src:
#
#   docker build -t tlslint .                    # from this checkout (a static musl build)
#   docker run --rm -v "$PWD:/src" tlslint scan .
#
# The release workflow builds the `release` stage instead, from the static binaries it has
# already built and tested (dist/docker/amd64/tlslint and dist/docker/arm64/tlslint), for
# linux/amd64 and linux/arm64, and pushes it to ghcr.io/tlslint/tlslint. The image has no
# shell and no git: `--diff-base` needs git, so use it outside the container.

FROM rust:1-alpine AS build
RUN apk add --no-cache musl-dev
WORKDIR /build
COPY . .
RUN cargo build --release --locked && cp target/release/tlslint /tlslint

FROM scratch AS release
ARG TARGETARCH
COPY --chmod=0755 dist/docker/${TARGETARCH}/tlslint /usr/local/bin/tlslint
LABEL org.opencontainers.image.source="https://github.com/tlslint/tlslint" \
      org.opencontainers.image.description="Finds settings that weaken TLS in a repository" \
      org.opencontainers.image.licenses="MIT OR Apache-2.0"
USER 65532:65532
WORKDIR /src
ENTRYPOINT ["tlslint"]
CMD ["scan", "."]

FROM scratch
COPY --from=build --chmod=0755 /tlslint /usr/local/bin/tlslint
LABEL org.opencontainers.image.source="https://github.com/tlslint/tlslint" \
      org.opencontainers.image.description="Finds settings that weaken TLS in a repository" \
      org.opencontainers.image.licenses="MIT OR Apache-2.0"
USER 65532:65532
WORKDIR /src
ENTRYPOINT ["tlslint"]
CMD ["scan", "."]
