# The registry as a container: built from source, run against the PostgreSQL of compose.yaml.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN apt-get update -qq && apt-get install -y -qq npm >/dev/null && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; fi
RUN CGO_ENABLED=0 go build -o /out/registry ./cmd/registry

FROM debian:bookworm-slim
RUN useradd --system --home /app registry
WORKDIR /app
COPY --from=build /out/registry /usr/local/bin/registry
COPY --from=build /src/node_modules/echarts/dist/echarts.min.js /app/node_modules/echarts/dist/echarts.min.js
USER registry
EXPOSE 8080
ENTRYPOINT ["registry"]
CMD ["serve", "--addr", "0.0.0.0:8080"]
