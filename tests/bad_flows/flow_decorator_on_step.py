# expect: FLC305 line 6 col 5
from flowc import FlowSpec, retry, resources, schedule, step, timeout


class BadFlow(FlowSpec):
    @schedule(daily=True)
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
