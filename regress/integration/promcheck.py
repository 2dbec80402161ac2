#!/usr/bin/python3
# Checks a Prometheus text exposition (format 0.0.4), for t_prom.sh.
#
#   promcheck.py lint FILE
#       Every line parses with prometheus_client's parser (Debian's
#       python3-prometheus-client), and the conventions promtool's
#       "check metrics" holds to hold: one HELP and one TYPE per family,
#       before its samples, which stand together; snake_case names;
#       _total on counters and only there; no _count, _sum or _bucket on
#       what is not a histogram or summary; base units, not abbreviated
#       ones; no series twice.
#   promcheck.py eval FILE [EXPR]
#       Exits 0 when the Python expression EXPR is true (without EXPR:
#       each line of the standard input, all of them, and each false one
#       is named), with v(name, **labels) the value of one series (None
#       when absent) and series(name) a list of (labels, value) of a
#       family's samples.
import re
import sys

from prometheus_client.parser import text_string_to_metric_families

NAME = re.compile(r'^[a-z_][a-z0-9_]*$')
# promtool's lint of units: the base unit, spelled out.
UNITS = re.compile(r'(^|_)(ms|us|ns|kb|mb|gb|kib|mib|gib|milliseconds|'
                   r'microseconds|nanoseconds|minutes|hours|days|'
                   r'kilobytes|megabytes|gigabytes|percent)(_|$)')


def fail(msg):
    print('promcheck: ' + msg)
    sys.exit(1)


def lint(text):
    helps, types, seen, series = {}, {}, [], set()
    for n, line in enumerate(text.split('\n'), 1):
        if line == '':
            if n != text.count('\n') + 1:
                fail('line %d: empty line' % n)
            continue
        m = re.match(r'^# (HELP|TYPE) (\S+) (.+)$', line)
        if m:
            kind, name, rest = m.groups()
            table = helps if kind == 'HELP' else types
            if name in table:
                fail('line %d: a second %s for %s' % (n, kind, name))
            if kind == 'TYPE' and name not in helps:
                fail('line %d: TYPE of %s before its HELP' % (n, name))
            table[name] = rest
            if kind == 'TYPE':
                if rest not in ('gauge', 'counter'):
                    fail('line %d: type %s' % (n, rest))
                seen.append(name)
            continue
        if line.startswith('#'):
            fail('line %d: comment %r' % (n, line))
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$', line)
        if not m:
            fail('line %d: not a sample: %r' % (n, line))
        name = m.group(1)
        if not seen or seen[-1] != name:
            fail('line %d: %s outside its family' % (n, name))
        key = (name, m.group(2) or '')
        if key in series:
            fail('line %d: series twice: %s%s' % (n, *key))
        series.add(key)
        float(m.group(3))
    for name, type_ in types.items():
        if not NAME.match(name):
            fail('%s: not snake_case' % name)
        if (type_ == 'counter') != name.endswith('_total'):
            fail('%s: a %s %s _total' % (name, type_, 'without' if
                                         type_ == 'counter' else 'with'))
        if re.search(r'_(count|sum|bucket)$', name):
            fail('%s: a histogram suffix on a %s' % (name, type_))
        if UNITS.search(name):
            fail('%s: not a base unit' % name)
        if not helps[name].strip():
            fail('%s: empty HELP' % name)
    # The reference parser takes every line.
    n = sum(len(f.samples) for f in text_string_to_metric_families(text))
    if n != len(series):
        fail('the parser read %d samples of %d' % (n, len(series)))
    return len(types), n


def load(text):
    samples = {}
    for f in text_string_to_metric_families(text):
        for s in f.samples:
            samples.setdefault(s.name, []).append((s.labels, s.value))
    return samples


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ('lint', 'eval'):
        fail('usage: promcheck.py lint FILE | eval FILE [EXPR]')
    with open(sys.argv[2], encoding='utf-8') as f:
        text = f.read()
    if sys.argv[1] == 'lint':
        fams, n = lint(text)
        print('%d families, %d samples' % (fams, n))
        return
    samples = load(text)

    def series(name):
        return samples.get(name, [])

    def v(name, **labels):
        for lbl, value in series(name):
            if lbl == labels:
                return value
        return None
    exprs = sys.argv[3:] or [e for e in sys.stdin.read().split('\n') if e]
    false = 0
    for e in exprs:
        try:
            r = eval(e, {'v': v, 'series': series})
        except Exception as x:
            r = False
            e += ' (%s: %s)' % (type(x).__name__, x)
        if not r:
            print('promcheck: false: ' + e)
            false += 1
    if false:
        sys.exit(1)


main()
