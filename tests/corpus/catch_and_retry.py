"""Fault tolerance as flows use it: @retry for a flaky call, @catch to keep going and
inspect the error downstream, @timeout on a slow call."""

from metaflow import FlowSpec, catch, current, retry, step, timeout


class FaultTolerantFlow(FlowSpec):
    """A flaky fetch, a parser that may fail, a report that reads the caught error."""

    @retry(times=2, minutes_between_retries=0)
    @step
    def start(self):
        if current.retry_count < 1:
            raise ConnectionError("flaky upstream")
        self.payload = ["1", "2", "x", "4"]
        self.next(self.parse)

    @catch(var="parse_error")
    @timeout(seconds=60)
    @step
    def parse(self):
        self.numbers = [int(value) for value in self.payload]
        self.next(self.end)

    @step
    def end(self):
        if self.parse_error:
            # Metaflow's wrapper: .type, .exception (the message) and .stacktrace.
            print("parse failed:", self.parse_error.type, "-", self.parse_error.exception)
        print("numbers present:", hasattr(self, "numbers"))


if __name__ == "__main__":
    FaultTolerantFlow()
