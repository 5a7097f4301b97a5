# expect: FLC308 line 6
from flowc import FlowSpec, retry, resources, schedule, step, timeout


class BadFlow(FlowSpec):
    @step
    @retry(times=2)
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
