#!/bin/bash
# usage: mutate.sh file 'python-literal-old' 'python-literal-new'
f=$1; cp $f /tmp/attn/backup
python3 -c "
import sys
s=open('$f').read()
old=sys.argv[1]; new=sys.argv[2]
assert old in s, 'missing'
open('$f','w').write(s.replace(old,new,1))
" "$2" "$3"
npx vitest run --project node test/engine/attention.test.ts test/engine/attention-grad.test.ts 2>&1 | grep -E "✗|×|FAIL|Tests " | head -12
cp /tmp/attn/backup $f
