# expect: FLC301 line 11 col 5
from flowc import FlowSpec, retry, step


def with_retries(func):
    # flowc reads @retry where it is written; applied in here it is invisible.
    return retry(times=3)(func)


class BadFlow(FlowSpec):
    @with_retries
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
