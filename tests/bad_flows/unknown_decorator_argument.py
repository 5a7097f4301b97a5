# expect: FLC302 line 6
from flowc import FlowSpec, retry, resources, schedule, step, timeout


class BadFlow(FlowSpec):
    @retry(count=3)
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
