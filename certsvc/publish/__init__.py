"""Publishing: the signed status list and trust list as static files."""
