# expect: FLC310 line 17 col 5
import functools

from metaflow import FlowSpec, step


def logged(func):
    @functools.wraps(func)
    def wrapper(self, *args):
        print("running", func.__name__)
        return func(self, *args)

    return wrapper


class BadFlow(FlowSpec):
    @logged
    @step
    def start(self):
        self.next(self.end)

    @never_defined
    @step
    def end(self):
        pass
