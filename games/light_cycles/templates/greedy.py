"""Greedy wall-avoider: turns towards the free neighbour with the most room around it."""
from collections import deque

UP, RIGHT, DOWN, LEFT = 'U', 'R', 'D', 'L'
STEP = {UP: (0, 1), RIGHT: (1, 0), DOWN: (0, -1), LEFT: (-1, 0)}
BACK = {UP: DOWN, DOWN: UP, LEFT: RIGHT, RIGHT: LEFT}
LOOKAHEAD = 60  # cells counted per candidate: cheap enough for every tick


class Main:
    def free(self, grid, size, x, y):
        return 0 <= x < size and 0 <= y < size and grid[y][x] == '.'

    def room(self, grid, size, x, y):
        """Free cells reachable from (x, y), counted up to LOOKAHEAD."""
        seen = {(x, y)}
        queue = deque([(x, y)])
        while queue and len(seen) < LOOKAHEAD:
            cx, cy = queue.popleft()
            for dx, dy in STEP.values():
                nx, ny = cx + dx, cy + dy
                if (nx, ny) not in seen and self.free(grid, size, nx, ny):
                    seen.add((nx, ny))
                    queue.append((nx, ny))
        return len(seen)

    def decide_move(self, tick, state):
        size, grid = state['size'], state['grid']
        me = state['players'][state['me']]
        best, best_room = me['head'], -1
        # straight first, so it wins ties and the cycle turns only when useful
        for d in [me['head']] + [d for d in STEP if d not in (me['head'], BACK[me['head']])]:
            dx, dy = STEP[d]
            x, y = me['x'] + dx, me['y'] + dy
            if not self.free(grid, size, x, y):
                continue
            # a cell next to another head may be taken this very tick
            near_head = any(p['alive'] and i != state['me'] and abs(p['x'] - x) + abs(p['y'] - y) == 1
                            for i, p in enumerate(state['players']))
            r = self.room(grid, size, x, y) - (LOOKAHEAD // 2 if near_head else 0)
            if r > best_room:
                best, best_room = d, r
        return best
