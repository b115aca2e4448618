"""The container engine: a running daemon with Compose v2 and BuildKit, the
base images, image builds and compose invocations."""
