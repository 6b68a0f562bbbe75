# optd: multi-stage build.
#
# Build stage: a release binary with the Swift runtime, standard library and Foundation linked in
# (--static-swift-stdlib), so the runtime image needs no Swift toolchain. No -march/-mcpu or
# other target flags: the binary keeps the x86-64 baseline and runs on any x86-64 host (faster
# kernels, where they exist, pick their instructions at run time from what the CPU reports).
#
# Runtime stage: debian:bookworm-slim with that one binary, run as an unprivileged user. The
# binary needs only libc, libm, libstdc++ and libgcc_s, all in the slim image.
#
# This machine has no Docker engine, so the image itself has not been built here;
# deploy/verify-runtime-image runs this build command and these runtime steps in a
# debootstrapped bookworm root instead (see README, "Container").

FROM swift:6.3.1-bookworm AS build
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product optd --static-swift-stdlib \
 && install -D -m 0755 .build/release/optd /out/optd

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin optd \
 && mkdir /data && chown optd:optd /data && chmod 0700 /data
COPY --from=build /out/optd /usr/local/bin/optd
USER optd
ENV OPTD_HOST=0.0.0.0 OPTD_PORT=8080 OPTD_DATA_DIR=/data
VOLUME /data
EXPOSE 8080
# Connects to 127.0.0.1:$OPTD_PORT over a raw socket; /healthz needs no token.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s CMD ["optd", "healthcheck"]
# Exec form: optd is PID 1 and receives docker stop's SIGTERM itself (graceful: finish in-flight
# requests within --shutdown-grace 8 s, snapshot, exit 0, inside Docker's 10 s).
ENTRYPOINT ["optd"]
