"""Per region and per day, route each batch to a cleaning path; the cases meet at the
inner join (a switch two foreach levels deep)."""

from metaflow import FlowSpec, step


class RegionDayRouterFlow(FlowSpec):
    """Clean dirty batches, pass clean ones through."""

    @step
    def start(self):
        self.regions = ["eu", "us"]
        self.next(self.region, foreach="regions")

    @step
    def region(self):
        self.region_name = self.input
        self.days = [1, 2, 3]
        self.next(self.day, foreach="days")

    @step
    def day(self):
        self.batch = f"{self.region_name}-{self.input}"
        self.state = "dirty" if (self.input + len(self.region_name)) % 2 else "clean"
        self.next({"dirty": self.scrub, "clean": self.keep}, condition="state")

    @step
    def scrub(self):
        self.result = self.batch + ":scrubbed"
        self.next(self.day_join)

    @step
    def keep(self):
        self.result = self.batch
        self.next(self.day_join)

    @step
    def day_join(self, inputs):
        self.results = [i.result for i in inputs]
        self.next(self.region_join)

    @step
    def region_join(self, inputs):
        self.results = sorted(r for i in inputs for r in i.results)
        self.next(self.end)

    @step
    def end(self):
        print("results:", self.results)


if __name__ == "__main__":
    RegionDayRouterFlow()
