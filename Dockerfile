# edgegate as a KRM function image: a static binary on distroless, non-root.
# kustomize:  container: {image: ghcr.io/edgegate/edgegate:TAG}
# kpt:        image: ghcr.io/edgegate/edgegate:TAG
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY cmd ./cmd
COPY fn ./fn
COPY artifact ./artifact
COPY manifest ./manifest
COPY policy ./policy
COPY render ./render
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/edgegate ./cmd/edgegate

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/edgegate /usr/local/bin/edgegate
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/edgegate"]
