# expect: FLC002 line 1 col 1
import math


class NotAFlow:
    def start(self):
        return math.pi
