"""The container engine: a running daemon with Compose v2 and BuildKit, the
base images and compose invocations. The stack's own images (one per declared
service) are built by dplat.stack.images on top of it."""
