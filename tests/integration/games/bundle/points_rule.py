def points_for(word):
    return len(word) * 7
