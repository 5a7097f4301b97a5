# expect: FLC314 line 9 col 23
import os

from metaflow import FlowSpec, kubernetes, step


class BadFlow(FlowSpec):
    # Nobody sets this variable: Metaflow's import of the flow would raise KeyError.
    @kubernetes(image=os.environ["FLOWC_BAD_FLOW_UNSET_IMAGE"])
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
