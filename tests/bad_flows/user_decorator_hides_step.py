# expect: FLC311 line 14 col 5
from metaflow import FlowSpec, step


def timed(func):
    def wrapper(self, *args):
        # No functools.wraps: the wrapper lacks the marks @step put on func.
        return func(self, *args)

    return wrapper


class BadFlow(FlowSpec):
    @timed
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
