# expect: FLC307 line 6
from flowc import FlowSpec, retry, resources, schedule, step, timeout


class BadFlow(FlowSpec):
    @timeout(seconds=0)
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
