"""Event-triggered flow: the event payload maps onto parameters."""

from metaflow import FlowSpec, Parameter, current, step, trigger


@trigger(event={"name": "table_refreshed", "parameters": {"table": "table_name", "rows": "row_count"}})
class TableRefreshedFlow(FlowSpec):
    """Validate a table whenever the warehouse says it was refreshed."""

    table = Parameter("table", default="orders")
    rows = Parameter("rows", default=0, type=int)

    @step
    def start(self):
        print("Hello %s 👋 from %s" % (self.table, current.flow_name))
        self.valid = self.rows >= 0
        self.next(self.end)

    @step
    def end(self):
        print("Done! 🏁", self.valid)


if __name__ == "__main__":
    TableRefreshedFlow()
