# expect: FLC303 line 6 col 18
from flowc import FlowSpec, retry, resources, schedule, step, timeout


class BadFlow(FlowSpec):
    @retry(times="three")
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
