"""Self-recursion through a switch: poll until a counter says done."""

from metaflow import FlowSpec, Parameter, step


class PollUntilReadyFlow(FlowSpec):
    """Each pass of ``poll`` is one attempt; it loops on itself until ready."""

    attempts_needed = Parameter("attempts_needed", default=3, type=int)

    @step
    def start(self):
        self.attempt = 0
        self.next(self.poll)

    @step
    def poll(self):
        self.attempt += 1
        self.state = "ready" if self.attempt >= self.attempts_needed else "waiting"
        self.next({"waiting": self.poll, "ready": self.end}, condition="state")

    @step
    def end(self):
        print("ready after", self.attempt, "attempts")


if __name__ == "__main__":
    PollUntilReadyFlow()
