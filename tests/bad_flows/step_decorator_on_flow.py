# expect: FLC305 line 5
from flowc import FlowSpec, retry, step


@retry(times=2)
class BadFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
