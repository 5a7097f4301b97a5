# expect: FLC005 line 7 col 29
from company_flows.mixins import AuditMixin

from flowc import FlowSpec, step


class AuditedFlow(FlowSpec, AuditMixin):
    """The mixin's audit step is invisible to flowc, so start names an unknown step."""

    @step
    def start(self):
        self.next(self.audit)

    @step
    def end(self):
        pass
