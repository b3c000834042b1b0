"""Pages of the work-order programme. The intake API and Open311 live in `api` and `open311`."""
