# expect: FLC309 line 3 col 35
from metaflow import FlowSpec, card, current, step
from metaflow.cards import Table, VegaChart


class BadFlow(FlowSpec):
    @card
    @step
    def start(self):
        current.card.append(Table([[1, 2]]))
        current.card.append(VegaChart({"mark": "bar"}))
        self.next(self.end)

    @step
    def end(self):
        pass
