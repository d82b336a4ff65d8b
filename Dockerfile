# The registry as a container: built from source, run against the PostgreSQL of compose.yaml.
# One file: ECharts, the templates and the migrations are embedded in the binary.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /out/registry ./cmd/registry

FROM debian:bookworm-slim
RUN useradd --system --home /app registry
WORKDIR /app
COPY --from=build /out/registry /usr/local/bin/registry
USER registry
EXPOSE 8080
ENTRYPOINT ["registry"]
CMD ["serve", "--addr", "0.0.0.0:8080"]
