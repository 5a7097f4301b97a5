# expect: FLC313 line 9 col 40
import os

from metaflow import FlowSpec, environment, resources, step


class BadFlow(FlowSpec):
    # The read is only a warning; the non-literal memory below is the error.
    @environment(vars={"TRACKING_URI": os.getenv("FLOWC_BAD_FLOW_TRACKING_URI", "http://127.0.0.1:5000")})
    @resources(memory=os.cpu_count() * 1024)
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
