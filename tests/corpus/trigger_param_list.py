"""@trigger with the parameters given as a list of names (payload field = parameter name)."""

from metaflow import FlowSpec, Parameter, step, trigger


@trigger(event={"name": "orders_loaded", "parameters": ["table", "rows"]})
class OrdersLoadedFlow(FlowSpec):
    """Check a freshly loaded table."""

    table = Parameter("table", default="orders")
    rows = Parameter("rows", default=0)

    @step
    def start(self):
        self.ok = self.rows >= 0
        self.next(self.end)

    @step
    def end(self):
        print(self.table, "ok" if self.ok else "bad")


if __name__ == "__main__":
    OrdersLoadedFlow()
