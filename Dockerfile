# otsd image: build in the official Rust image, run from a slim Debian with
# a non-root user. Hardening (health check, read-only root, compose file with
# Redis on an internal network) follows in a later change.
FROM rust:1.88-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p otsd \
    && install -m 0755 target/release/otsd /usr/local/bin/otsd

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin otsd
COPY --from=build /usr/local/bin/otsd /usr/local/bin/otsd
USER 10001
ENV OTSD_LISTEN=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/otsd"]
