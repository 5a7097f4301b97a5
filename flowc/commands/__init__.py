"""One module per ``flowc`` command; each defines ``command`` (a click command)."""
