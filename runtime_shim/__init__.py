"""The task runtime: runs one step of a flow and persists its artifacts.

Standard library only (boto3 lazily, for ``s3://`` roots): this package
runs inside slim task images without flowc installed.
"""
