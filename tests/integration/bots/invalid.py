# Returns a decision Tanks refuses ("dance" is not one), every call.
class Main:
    def decide_tick(self, tick, me, enemy):
        return "dance"
