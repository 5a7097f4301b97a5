"""The task bootstrap: start the shim from a code package, without flowc installed.

Backends build container commands with :func:`bootstrap_command`.  The
result is an argument vector (no shell) of the form::

    python -c '<snippet>' PACKAGE_URL PACKAGE_SHA256 task --datastore ... --step ...

The snippet downloads the package (``s3://`` through boto3, a local path,
``file://`` or ``http(s)://`` through the standard library), verifies its
sha256 (exit 3 on a mismatch, before any user code runs), unpacks it into a
temporary directory (deleted when the process exits, whatever its exit
code), puts ``<dir>/_flowc`` and ``<dir>`` on ``sys.path`` and
runs ``flowc.runtime_shim`` with the remaining arguments.  It tells the shim
where the package was unpacked through ``FLOWC_PACKAGE_DIR`` and
``FLOWC_PACKAGE_SHA256``, so the shim does not fetch it a second time and
resolves a relative ``--flow-file`` against that directory.

Standard library only.
"""

from __future__ import annotations

#: The snippet run by ``python -c``.  argv: URL, SHA256, shim arguments...
BOOTSTRAP_SNIPPET = """\
import hashlib, os, shutil, sys, tarfile, tempfile, urllib.parse, urllib.request
url, sha = sys.argv[1], sys.argv[2]
root = tempfile.mkdtemp(prefix="flowc-pkg-")
import atexit; atexit.register(shutil.rmtree, root, True)
path = os.path.join(root, "package.tgz")
parts = urllib.parse.urlparse(url)
try:
    if parts.scheme == "s3":
        import boto3
        endpoint = os.environ.get("FLOWC_S3_ENDPOINT_URL") or None
        boto3.client("s3", endpoint_url=endpoint).download_file(parts.netloc, parts.path.lstrip("/"), path)
    elif parts.scheme in ("", "file"):
        shutil.copyfile(urllib.request.url2pathname(parts.path) if parts.scheme else url, path)
    else:
        urllib.request.urlretrieve(url, path)
except Exception as exc:
    sys.stderr.write(f"flowc: cannot fetch code package {url}: {exc}\\n")
    sys.exit(3)
digest = hashlib.sha256()
with open(path, "rb") as handle:
    for chunk in iter(lambda: handle.read(1 << 20), b""):
        digest.update(chunk)
if digest.hexdigest() != sha:
    sys.stderr.write(f"flowc: code package {url} has sha256 {digest.hexdigest()}, expected {sha}; refusing to run\\n")
    sys.exit(3)
with tarfile.open(path) as tar:
    tar.extractall(root, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
sys.path[:0] = [os.path.join(root, "_flowc"), root]
os.environ["FLOWC_PACKAGE_DIR"], os.environ["FLOWC_PACKAGE_SHA256"] = root, sha
sys.argv = ["flowc.runtime_shim", *sys.argv[3:]]
import runpy
runpy.run_module("flowc.runtime_shim", run_name="__main__", alter_sys=True)
"""


def bootstrap_command(
    package_url: str,
    package_sha256: str,
    shim_args: list[str],
    python: str = "python",
) -> list[str]:
    """The argument vector that runs one task from a code package.

    ``shim_args`` are the shim's arguments as in docs/task-contract.md,
    starting with ``task`` (added when missing).  They may repeat
    ``--package-url``/``--package-sha256``; the shim then reuses the
    package the bootstrap already fetched and verified.  ``--flow-file`` is
    the flow's path inside the package.
    """
    args = list(shim_args)
    if not args or args[0] != "task":
        args.insert(0, "task")
    return [python, "-c", BOOTSTRAP_SNIPPET, package_url, package_sha256, *args]
