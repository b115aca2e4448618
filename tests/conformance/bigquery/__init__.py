"""GoogleSQL conformance suite for the warehouse (issue 11); see README.md."""
