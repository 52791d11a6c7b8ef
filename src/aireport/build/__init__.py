"""Publishing: plan what is stale, render it, and write the site atomically."""
