# expect: FLC004 line 1
x = 'café'
