# expect: FLC309 line 2 col 38
from metaflow import FlowSpec, step, S3


class BadFlow(FlowSpec):
    @step
    def start(self):
        with S3(run=self) as s3:
            self.url = s3.put("key", "value")
        self.next(self.end)

    @step
    def end(self):
        pass
