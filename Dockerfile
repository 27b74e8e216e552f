# The Signalman worker and CLI in one image, for docker-compose.yml and real clusters.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /out/worker ./worker && \
    CGO_ENABLED=0 go build -trimpath -o /out/signalman ./starter

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/worker /out/signalman /usr/local/bin/
ENV SIGNALMAN_DATA=/var/lib/signalman
VOLUME /var/lib/signalman
ENTRYPOINT ["worker"]
