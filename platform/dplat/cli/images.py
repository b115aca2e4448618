"""`dplat images build|list|save|load`: the local image set."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dplat.cli.common import Output, OutputOption, emit, resolve
from dplat.console import console, progress, success, table

app = typer.Typer()


@app.command()
def build(
    ctx: typer.Context,
    names: Annotated[
        list[str] | None, typer.Argument(help="Images to build (all if omitted).")
    ] = None,
    force: Annotated[bool, typer.Option(help="Rebuild even when nothing changed.")] = False,
    bases: Annotated[
        bool, typer.Option("--bases", help="Also remake the Debian base images.")
    ] = False,
) -> None:
    """Build the images that are missing or whose folder changed."""
    from dplat.stack import images

    settings = resolve(ctx)
    with progress("checking the engine") as report:
        built = images.build_set(settings, names, force=force, rebuild_bases=bases, report=report)
    success(f"built {', '.join(built)}" if built else "every image is up to date")


@app.command("list")
def list_(output: OutputOption = Output.table) -> None:
    """The images, whether they are built and current."""
    from dplat.stack import images

    found = images.listing()
    rows = [
        (
            s.name,
            s.tag,
            "yes" if s.present else "no",
            "yes" if s.current else "rebuild",
            f"{s.size_mb:.0f} MB",
        )
        for s in found.images
    ]
    emit(output, found, lambda: table(None, ("image", "tag", "built", "current", "size"), rows))


@app.command()
def save(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Archive to write (.tar or .tar.gz).")],
) -> None:
    """Write the built images to one file, to carry to a machine with no registry."""
    from dplat.stack import images

    with console.status(f"saving to {file}"):
        tags = images.save(file)
    success(f"saved {len(tags)} images to {file}")


@app.command()
def load(
    ctx: typer.Context, file: Annotated[Path, typer.Argument(help="Archive made by `images save`.")]
) -> None:
    """Load images saved by `dplat images save` and check the set is complete."""
    from dplat.stack import images

    with console.status(f"loading {file}"):
        tags = images.load(file)
    success(f"loaded {', '.join(tags)}")
