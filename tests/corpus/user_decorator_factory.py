"""A module-level decorator factory that applies @kubernetes only outside local mode,
and a timing decorator with functools.wraps (both user code above @step)."""

import functools
import os
import time

from metaflow import FlowSpec, kubernetes, step

IMAGE = "registry.example.com/jobs/etl:2.0"
LOCAL_MODE = os.environ.get("CORPUS_LOCAL_MODE", "true").lower() == "true"


def conditional_kubernetes(*args, **kwargs):
    """Apply @kubernetes only when not running locally."""

    def decorator(func):
        if LOCAL_MODE:
            return func
        return kubernetes(*args, **kwargs)(func)

    return decorator


def timed(func):
    """Print how long the step body took."""

    @functools.wraps(func)
    def wrapper(self, *args):
        began = time.monotonic()
        try:
            return func(self, *args)
        finally:
            print(f"{func.__name__} took {time.monotonic() - began:.3f}s")

    return wrapper


class ConditionalComputeFlow(FlowSpec):
    """ETL whose heavy step asks for a pod only in production."""

    @step
    def start(self):
        self.batch = list(range(5))
        self.next(self.load)

    @timed
    @conditional_kubernetes(image=IMAGE, cpu=1, memory=16384)
    @step
    def load(self):
        self.loaded = sum(self.batch)
        self.next(self.end)

    @step
    def end(self):
        print("loaded", self.loaded)


if __name__ == "__main__":
    ConditionalComputeFlow()
