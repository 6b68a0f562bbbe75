# optd: multi-stage build. The build stage compiles a release binary with the Swift standard
# library and Foundation linked in (--static-swift-stdlib), for the x86-64 baseline so it runs on
# any x86-64 host; the runtime stage is Debian slim with that one binary, run as a non-root user.
# Not built here (this machine has no Docker engine); the build-stage command itself is run by
# hand and its binary needs only libc, libm, libstdc++ and libgcc_s (ldd), all in debian:bookworm-slim.

FROM swift:6.3-bookworm AS build
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
RUN swift build -c release --product optd --static-swift-stdlib \
 && install -D .build/release/optd /out/optd

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin optd \
 && mkdir /data && chown optd:optd /data && chmod 0700 /data
COPY --from=build /out/optd /usr/local/bin/optd
USER optd
ENV OPTD_HOST=0.0.0.0 OPTD_PORT=8080 OPTD_DATA_DIR=/data
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s CMD ["optd", "healthcheck"]
# Exec form: optd is PID 1 and gets SIGTERM from `docker stop` (graceful: snapshot, exit 0).
ENTRYPOINT ["optd"]
