"""@environment whose values are read from the deploying machine's environment
(os.getenv at import time), as training pipelines pass tracking-server URIs."""

import os

from metaflow import FlowSpec, environment, step


class TrackingEnvFlow(FlowSpec):
    """Log to the tracking server named by the deployer's environment."""

    @environment(vars={"TRACKING_URI": os.getenv("TRACKING_URI", "http://127.0.0.1:5000")})
    @step
    def start(self):
        self.tracking_uri = os.environ.get("TRACKING_URI")
        self.next(self.end)

    @step
    def end(self):
        print("tracking at", self.tracking_uri)


if __name__ == "__main__":
    TrackingEnvFlow()
