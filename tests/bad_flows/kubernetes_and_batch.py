# expect: FLC307 line 7 col 5
from flowc import FlowSpec, batch, kubernetes, step


class BadFlow(FlowSpec):
    @kubernetes(cpu=2)
    @batch(cpu=2)
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
