# expect: FLC315 line 12 col 20
import platform

from metaflow import FlowSpec, conda_base, resources, step


def python_version():
    return platform.python_version()


# The computed pin is only a warning; the non-literal cpu below is the error.
@conda_base(python=python_version(), libraries={"numpy": "1.26.4"})
class BadFlow(FlowSpec):
    @resources(cpu=platform.machine())
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
