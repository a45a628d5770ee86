# Steward in a container: build the one binary, then run `steward server` with the data folder
# as a volume.
#   docker build -t steward .
#   docker run -p 8443:8443 -v steward-data:/data steward
# The first start prints the admin password (docker logs) and the TLS fingerprint.

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY assets ./assets
COPY schema.sql config.example.toml ./
RUN cargo build --release --locked && cp target/release/steward /steward

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin steward \
 && mkdir -p /data && chown steward:steward /data && chmod 0700 /data
COPY --from=build /steward /usr/local/bin/steward
ENV STEWARD_SERVER__DATA_DIR=/data \
    STEWARD_SERVER__LISTEN=0.0.0.0:8443
VOLUME ["/data"]
EXPOSE 8443
USER steward
ENTRYPOINT ["/usr/local/bin/steward"]
CMD ["server"]
