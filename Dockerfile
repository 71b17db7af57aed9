# x3ui-operator image: built on Debian bookworm, run on bookworm-slim with only the runtime
# libraries the binary links (tests/e2e/packaging_test.sh checks the list below against the
# binary's ELF NEEDED entries and ldd), as a non-root user.
#
#   docker build -t x3ui-operator:0.1.0 .      (or: podman build / buildah bud)

FROM debian:bookworm AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config libssl-dev libcpprest-dev libyaml-cpp-dev \
      nlohmann-json3-dev libpqxx-dev prometheus-cpp-dev libspdlog-dev libboost-dev libqrencode-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY cmake/ cmake/
COPY pkg/ pkg/
COPY controller/ controller/
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DX3UI_BUILD_TESTS=OFF -DX3UI_BUILD_BENCH=OFF \
 && cmake --build /build --target x3ui-operator \
 && strip /build/controller/x3ui-operator

FROM debian:bookworm-slim
# runtime-packages: ca-certificates libc6 libcpprest2.10 libfmt9 libgcc-s1 libpq5 libpqxx-6.4 libprometheus-cpp-core1.0 libqrencode4 libspdlog1.10 libssl3 libstdc++6 libyaml-cpp0.7
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates libc6 libcpprest2.10 libfmt9 libgcc-s1 libpq5 libpqxx-6.4 libprometheus-cpp-core1.0 \
      libqrencode4 libspdlog1.10 libssl3 libstdc++6 libyaml-cpp0.7 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /build/controller/x3ui-operator /usr/local/bin/x3ui-operator
# The numeric user the chart's and the manifests' securityContext run as.
USER 65532:65532
EXPOSE 8080 8081
ENTRYPOINT ["/usr/local/bin/x3ui-operator"]
