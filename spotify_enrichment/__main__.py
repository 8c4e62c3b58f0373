"""`python -m spotify_enrichment fetch ...`: see `spotify_enrichment.cli`."""

import sys

from spotify_enrichment.cli import main

if __name__ == "__main__":
    sys.exit(main())
