# expect: FLC306 line 7
from flowc import FlowSpec, retry, resources, schedule, step, timeout


class BadFlow(FlowSpec):
    @retry(times=1)
    @retry(times=2)
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
