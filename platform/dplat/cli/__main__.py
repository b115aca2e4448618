"""`python -m dplat.cli`: how the agent image starts dplat without a console script."""

from dplat.cli import main

main()
